/**
 * The route table: every HTTP operation of the public API with its method, path (under /api) and the role
 * that may call it. The backend registers exactly these routes; web and sim build URLs from them.
 */
import type { z } from 'zod';
import {
  AddTeacherRequestSchema,
  AuthCodeRequestSchema,
  AuthCodeResponseSchema,
  AuthVerifyRequestSchema,
  AuthVerifyResponseSchema,
  MeResponseSchema,
  OutboxResponseSchema,
  TeacherEntrySchema,
  TeacherListResponseSchema,
} from './auth';
import { HealthResponseSchema } from './health';

/** Who may call a route: resolved once per request by the backend's auth middleware. */
export type RouteRole = 'anonymous' | 'any' | 'student' | 'teacher' | 'admin';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface RouteDef {
  /** Function name in Azure; unique, camelCase. */
  readonly name: string;
  readonly method: HttpMethod;
  /** Path under /api in Azure Functions route syntax, e.g. `sessions/{id}/scans`. */
  readonly path: string;
  readonly role: RouteRole;
  readonly request?: z.ZodType;
  readonly response?: z.ZodType;
}

export const routes = {
  health: {
    name: 'health',
    method: 'GET',
    path: 'health',
    role: 'anonymous',
    response: HealthResponseSchema,
  },
  devOutbox: {
    name: 'devOutbox',
    method: 'GET',
    path: 'dev/outbox',
    role: 'anonymous',
    response: OutboxResponseSchema,
  },
  authCode: {
    name: 'authCode',
    method: 'POST',
    path: 'auth/code',
    role: 'anonymous',
    request: AuthCodeRequestSchema,
    response: AuthCodeResponseSchema,
  },
  authVerify: {
    name: 'authVerify',
    method: 'POST',
    path: 'auth/verify',
    role: 'anonymous',
    request: AuthVerifyRequestSchema,
    response: AuthVerifyResponseSchema,
  },
  authMe: {
    name: 'authMe',
    method: 'GET',
    path: 'auth/me',
    role: 'any',
    response: MeResponseSchema,
  },
  authLogout: {
    name: 'authLogout',
    method: 'POST',
    path: 'auth/logout',
    role: 'any',
  },
  adminTeachersList: {
    name: 'adminTeachersList',
    method: 'GET',
    path: 'admin/teachers',
    role: 'admin',
    response: TeacherListResponseSchema,
  },
  adminTeachersAdd: {
    name: 'adminTeachersAdd',
    method: 'POST',
    path: 'admin/teachers',
    role: 'admin',
    request: AddTeacherRequestSchema,
    response: TeacherEntrySchema,
  },
  adminTeachersRemove: {
    name: 'adminTeachersRemove',
    method: 'DELETE',
    path: 'admin/teachers/{email}',
    role: 'admin',
  },
} as const satisfies Record<string, RouteDef>;

export type RouteName = keyof typeof routes;

/** Fills `{param}` placeholders of a route path; values are URL-encoded. */
export function routePath(path: string, params: Record<string, string> = {}): string {
  return path.replace(/\{(\w+)\??\}/g, (_, key: string) => {
    const value = params[key];
    if (value === undefined) throw new Error(`missing route parameter ${key}`);
    return encodeURIComponent(value);
  });
}
