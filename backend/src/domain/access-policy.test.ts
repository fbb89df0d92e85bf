import { describe, expect, it } from 'vitest';
import { NotFoundError } from '../middleware/errors';
import { can, decideAccess, permissions, requireAccess, type Action } from './access-policy';

const student = { id: 's', role: 'student' } as const;
const admin = { id: 'a', role: 'admin' } as const;

describe('access policy', () => {
  it('gives every action a row with a read action for its resource', () => {
    for (const action of Object.keys(permissions) as Action[]) {
      const resource = action.slice(0, action.indexOf(':'));
      expect(Object.keys(permissions)).toContain(`${resource}:read`);
    }
  });

  it('grants by role and relation', () => {
    expect(can(student, 'account:read', ['self'])).toBe(true);
    expect(can(student, 'account:read', [])).toBe(false);
    expect(can(admin, 'teachers:write', [])).toBe(true);
    expect(can(student, 'teachers:read', ['self'])).toBe(false);
  });

  it('answers "not found" when the caller may not even read the resource', () => {
    expect(() => requireAccess(student, 'teachers:write', [])).toThrow(NotFoundError);
    expect(() => requireAccess(admin, 'teachers:write', [])).not.toThrow();
  });

  it('answers "forbidden" when the caller can see the resource but not do this to it', () => {
    const table = { ...permissions, 'account:logout': { admin: ['self'] } } as const;
    expect(decideAccess(student, 'account:logout', ['self'], table)).toBe('forbidden');
    expect(decideAccess(student, 'teachers:write', [], table)).toBe('not_found');
    expect(decideAccess(admin, 'account:logout', ['self'], table)).toBe('allow');
  });
});
