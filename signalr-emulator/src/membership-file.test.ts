import { describe, expect, it } from 'vitest';
import { MembershipFileError, parseMembershipFile } from './membership-file';

describe('parseMembershipFile', () => {
  it('reads version 1 files', () => {
    expect(
      parseMembershipFile({
        version: 1,
        memberships: [
          { hub: 'chat', user: 'u', group: 'g', expiresAt: null },
          { hub: 'chat', user: 'u', group: 'h', expiresAt: 1700000000000 },
        ],
      }),
    ).toEqual([
      { hub: 'chat', user: 'u', group: 'g', expiresAt: null },
      { hub: 'chat', user: 'u', group: 'h', expiresAt: 1700000000000 },
    ]);
  });

  it.each([
    null,
    [],
    { version: 2, memberships: [] },
    { version: 1 },
    { version: 1, memberships: [{ hub: 'chat', user: 'u', group: 'g' }] },
    { version: 1, memberships: [{ hub: 'chat', user: 1, group: 'g', expiresAt: null }] },
    { version: 1, memberships: [{ hub: 'chat', user: 'u', group: 'g', expiresAt: 'soon' }] },
  ])('refuses %j', (content) => {
    expect(() => parseMembershipFile(content)).toThrow(MembershipFileError);
  });
});
