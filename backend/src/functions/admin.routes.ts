/** Admin: the teacher allow-list. */
import { routes } from '@qrca/contract';
import { defineRoute } from './http';

export const adminRoutes = [
  defineRoute(routes.adminTeachersList, async ({ caller, services }) => ({
    jsonBody: { teachers: await services.teachers.listTeachers(caller) },
  })),

  defineRoute(routes.adminTeachersAdd, async ({ caller, body, services }) => ({
    status: 201,
    jsonBody: await services.teachers.addTeacher(caller, body.email),
  })),

  defineRoute(routes.adminTeachersRemove, async ({ caller, params, services }) => {
    await services.teachers.removeTeacher(caller, params.email);
    return { status: 204 };
  }),
];
