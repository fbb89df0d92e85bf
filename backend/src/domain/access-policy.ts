/**
 * The access policy: one permission table (role × relation to the resource × action) and one check used by
 * every service method. A caller who may not even read a resource is told it does not exist.
 */
import type { Role } from '@qrca/contract';
import { ForbiddenError, NotFoundError } from '../middleware/errors';

/** How the caller relates to the resource: computed by the service from the resource's facts. */
export type Relation = 'self' | 'owner' | 'co_teacher' | 'joined' | 'anyone';

/** `<resource>:<verb>`; every resource has a `:read`. */
export type Action =
  | 'account:read'
  | 'account:logout'
  | 'account:write'
  | 'teachers:read'
  | 'teachers:write'
  | 'session:read'
  | 'session:write'
  | 'session:delete'
  | 'session:share'
  | 'session:join'
  | 'session:attend'
  | 'events:read';

type Resource = Action extends `${infer R}:${string}` ? R : never;

const everyoneSelf = { student: ['self'], teacher: ['self'], admin: ['self'] } as const;
const runners = { teacher: ['owner', 'co_teacher'], admin: ['owner', 'co_teacher'] } as const;
const owners = { teacher: ['owner'], admin: ['owner'] } as const;

export type PermissionTable = Readonly<Record<Action, Partial<Record<Role, readonly Relation[]>>>>;

/** Who may do what. A role missing from a row may not do it at all. */
export const permissions: PermissionTable = {
  'account:read': everyoneSelf,
  'account:logout': everyoneSelf,
  /** Register a device key. */
  'account:write': everyoneSelf,
  'teachers:read': { admin: ['anyone'] },
  'teachers:write': { admin: ['anyone'] },
  'session:read': { ...runners, student: ['joined'] },
  /** Change settings, roster, start/end, run chains. */
  'session:write': runners,
  'session:delete': owners,
  /** Add or remove co-teachers. */
  'session:share': owners,
  /** Join with the session's join code (checked by the service). */
  'session:join': { student: ['anyone'] },
  /** Heartbeat, own status and hold, scans. */
  'session:attend': { student: ['joined'] },
  'events:read': runners,
};

/** The identity a check is about. */
export interface Principal {
  readonly id: string;
  readonly role: Role;
}

/** Whether `caller`, standing in `relations` to the resource, may do `action` under `table`. */
export function can(
  caller: Principal,
  action: Action,
  relations: readonly Relation[],
  table: PermissionTable = permissions,
): boolean {
  const allowed = table[action][caller.role] ?? [];
  return allowed.some((relation) => relation === 'anyone' || relations.includes(relation));
}

/** `allow`; or `not_found` when the caller may not even read the resource; else `forbidden`. */
export function decideAccess(
  caller: Principal,
  action: Action,
  relations: readonly Relation[],
  table: PermissionTable = permissions,
): 'allow' | 'forbidden' | 'not_found' {
  if (can(caller, action, relations, table)) return 'allow';
  const read = `${action.slice(0, action.indexOf(':')) as Resource}:read` as Action;
  return can(caller, read, relations, table) ? 'forbidden' : 'not_found';
}

/**
 * Passes when `caller` may do `action`; otherwise throws NotFoundError if they may not even read the
 * resource (so its existence does not leak), else ForbiddenError.
 * @throws NotFoundError, ForbiddenError
 */
export function requireAccess(caller: Principal, action: Action, relations: readonly Relation[]): void {
  const decision = decideAccess(caller, action, relations);
  if (decision === 'not_found') throw new NotFoundError();
  if (decision === 'forbidden') throw new ForbiddenError();
}
