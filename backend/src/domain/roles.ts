/** Who is what: a role from an email, by configured admin emails, the teacher allow-list and email domains. */
import type { Role } from '@qrca/contract';

export interface RoleRules {
  readonly adminEmails: readonly string[];
  readonly teacherDomains: readonly string[];
  readonly studentDomains: readonly string[];
}

/** The part after the last `@`, lower-cased. */
export function emailDomain(email: string): string {
  return email.slice(email.lastIndexOf('@') + 1).toLowerCase();
}

/**
 * The role for a (normalised) email, with precedence admin > teacher > student; undefined when the email is
 * neither an admin, on the teacher allow-list, nor in a teacher or student domain.
 */
export function roleFor(email: string, rules: RoleRules, onTeacherAllowList: boolean): Role | undefined {
  if (rules.adminEmails.includes(email)) return 'admin';
  const domain = emailDomain(email);
  if (onTeacherAllowList || rules.teacherDomains.includes(domain)) return 'teacher';
  if (rules.studentDomains.includes(domain)) return 'student';
  return undefined;
}

/** Whether a route declared for `required` admits a caller with `role` (admins may do what teachers do). */
export function roleAdmits(required: 'any' | Role, role: Role): boolean {
  if (required === 'any' || required === role) return true;
  return required === 'teacher' && role === 'admin';
}
