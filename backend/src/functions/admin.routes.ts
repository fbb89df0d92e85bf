/** Admin: the teacher allow-list. */
import { EmailSchema, routes } from '@qrca/contract';
import { validationErrorFromZod } from '../middleware/errors';
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
    const email = EmailSchema.safeParse(params.email);
    if (!email.success) throw validationErrorFromZod(email.error, 'That is not an email address.');
    await services.teachers.removeTeacher(caller, email.data);
    return { status: 204 };
  }),
];
