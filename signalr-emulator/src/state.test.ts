import { describe, expect, it } from 'vitest';
import { HubState, MAX_GROUPS_WITHOUT_TTL } from './state';
import type { ClientConnection } from './state';

class FakeConnection implements ClientConnection {
  readonly received: string[] = [];
  closedWith: { error?: string; allowReconnect?: boolean } | undefined;
  constructor(
    readonly id: string,
    readonly userId: string | undefined,
    readonly hub = 'chat',
  ) {}
  send(frame: Buffer): void {
    this.received.push(frame.toString());
  }
  close(options: { error?: string; allowReconnect?: boolean }): void {
    this.closedWith = options;
  }
}

function setup() {
  let now = 1_000_000;
  let changes = 0;
  const state = new HubState(
    () => now,
    () => {
      changes += 1;
    },
  );
  return {
    state,
    advance: (ms: number) => {
      now += ms;
    },
    changes: () => changes,
  };
}

const ids = (connections: Iterable<ClientConnection>) => [...connections].map((c) => c.id).sort();

describe('HubState connections', () => {
  it('indexes connections by hub and user, and forgets them on removal', () => {
    const { state } = setup();
    const a1 = new FakeConnection('a1', 'alice');
    const a2 = new FakeConnection('a2', 'alice');
    const anon = new FakeConnection('x', undefined);
    const other = new FakeConnection('o', 'alice', 'other');
    for (const c of [a1, a2, anon, other]) state.addConnection(c);
    expect(ids(state.hubConnections('chat'))).toEqual(['a1', 'a2', 'x']);
    expect(ids(state.userConnections('chat', 'alice'))).toEqual(['a1', 'a2']);
    expect(state.connection('chat', 'o')).toBeUndefined();
    expect(state.stats()).toEqual({ connections: 4, users: 2, groups: 0 });
    state.removeConnection(a1);
    state.removeConnection(anon);
    expect(ids(state.userConnections('chat', 'alice'))).toEqual(['a2']);
    expect(state.userHasConnections('chat', 'alice')).toBe(true);
    state.removeConnection(a2);
    expect(state.userHasConnections('chat', 'alice')).toBe(false);
    expect(state.stats()).toEqual({ connections: 1, users: 1, groups: 0 });
  });
});

describe('HubState connection groups', () => {
  it('adds and removes live connections only; membership ends with the connection', () => {
    const { state } = setup();
    const c = new FakeConnection('c', 'u');
    expect(state.addConnectionToGroup('chat', 'g', 'c')).toBe(false);
    state.addConnection(c);
    expect(state.addConnectionToGroup('chat', 'g', 'c')).toBe(true);
    expect(state.groupHasConnections('chat', 'g')).toBe(true);
    expect(ids(state.groupConnections('chat', 'g'))).toEqual(['c']);
    expect(state.removeConnectionFromGroup('chat', 'g', 'c')).toBe(true);
    expect(state.removeConnectionFromGroup('chat', 'g', 'c')).toBe(false);
    state.addConnectionToGroup('chat', 'g', 'c');
    state.addConnectionToGroup('chat', 'h', 'c');
    expect(state.removeConnectionFromAllGroups('chat', 'c')).toBe(true);
    expect(state.groupHasConnections('chat', 'h')).toBe(false);
    state.addConnectionToGroup('chat', 'g', 'c');
    state.removeConnection(c);
    state.addConnection(new FakeConnection('c2', 'u'));
    expect(state.groupHasConnections('chat', 'g')).toBe(false);
  });
});

describe('HubState user groups', () => {
  it('reaches every current and future connection of a user in the group, until removed', () => {
    const { state, changes } = setup();
    const first = new FakeConnection('1', 'stu');
    state.addConnection(first);
    state.addUserToGroup('chat', 'stu', 'session-1');
    expect(changes()).toBe(1);
    expect(ids(state.groupConnections('chat', 'session-1'))).toEqual(['1']);
    state.removeConnection(first);
    expect(state.groupHasConnections('chat', 'session-1')).toBe(false);
    expect(state.isUserInGroup('chat', 'stu', 'session-1')).toBe(true);
    state.addConnection(new FakeConnection('2', 'stu'));
    state.addConnection(new FakeConnection('3', 'stu'));
    state.addConnection(new FakeConnection('4', 'someone-else'));
    expect(ids(state.groupConnections('chat', 'session-1'))).toEqual(['2', '3']);
    expect(state.stats().groups).toBe(1);
    expect(state.removeUserFromGroup('chat', 'stu', 'session-1')).toBe(true);
    expect(state.removeUserFromGroup('chat', 'stu', 'session-1')).toBe(false);
    expect(state.groupConnections('chat', 'session-1').size).toBe(0);
    expect(changes()).toBe(2);
  });

  it('counts a connection once when it is in the group both ways', () => {
    const { state } = setup();
    state.addConnection(new FakeConnection('1', 'stu'));
    state.addUserToGroup('chat', 'stu', 'g');
    state.addConnectionToGroup('chat', 'g', '1');
    expect(ids(state.groupConnections('chat', 'g'))).toEqual(['1']);
  });

  it('expires a membership after its TTL and sweeps it', () => {
    const { state, advance } = setup();
    state.addConnection(new FakeConnection('1', 'stu'));
    state.addUserToGroup('chat', 'stu', 'g', 60);
    advance(59_999);
    expect(state.isUserInGroup('chat', 'stu', 'g')).toBe(true);
    advance(1);
    expect(state.isUserInGroup('chat', 'stu', 'g')).toBe(false);
    expect(state.groupHasConnections('chat', 'g')).toBe(false);
    expect(state.userGroupMemberships()).toEqual([]);
    expect(state.sweepExpired()).toBe(1);
    expect(state.sweepExpired()).toBe(0);
  });

  it('with ttl=0 adds only the current connections of the user', () => {
    const { state, changes } = setup();
    state.addConnection(new FakeConnection('1', 'stu'));
    state.addUserToGroup('chat', 'stu', 'g', 0);
    expect(state.isUserInGroup('chat', 'stu', 'g')).toBe(false);
    expect(changes()).toBe(0);
    state.addConnection(new FakeConnection('2', 'stu'));
    expect(ids(state.groupConnections('chat', 'g'))).toEqual(['1']);
  });

  it(`keeps the ${MAX_GROUPS_WITHOUT_TTL} most recently updated groups without TTL`, () => {
    const { state } = setup();
    state.addUserToGroup('chat', 'stu', 'with-ttl', 3600);
    for (let i = 0; i <= MAX_GROUPS_WITHOUT_TTL; i += 1) {
      state.addUserToGroup('chat', 'stu', `g${i}`);
      if (i === 50) state.addUserToGroup('chat', 'stu', 'g0'); // refreshed: no longer the oldest
    }
    expect(state.isUserInGroup('chat', 'stu', 'g0')).toBe(true);
    expect(state.isUserInGroup('chat', 'stu', 'g1')).toBe(false);
    expect(state.isUserInGroup('chat', 'stu', `g${MAX_GROUPS_WITHOUT_TTL}`)).toBe(true);
    expect(state.isUserInGroup('chat', 'stu', 'with-ttl')).toBe(true);
    expect(state.userGroupMemberships()).toHaveLength(MAX_GROUPS_WITHOUT_TTL + 1);
  });

  it('removes a user from all groups of one hub only', () => {
    const { state } = setup();
    state.addUserToGroup('chat', 'stu', 'a');
    state.addUserToGroup('chat', 'stu', 'b', 60);
    state.addUserToGroup('other', 'stu', 'a');
    state.removeUserFromAllGroups('chat', 'stu');
    expect(state.userGroupMemberships()).toEqual([{ hub: 'other', user: 'stu', group: 'a', expiresAt: null }]);
  });

  it('restores saved memberships, skipping expired ones, without reporting a change', () => {
    const { state, changes } = setup();
    state.restoreUserGroupMemberships([
      { hub: 'chat', user: 'stu', group: 'a', expiresAt: null },
      { hub: 'chat', user: 'stu', group: 'b', expiresAt: 1_000_000 + 5_000 },
      { hub: 'chat', user: 'stu', group: 'old', expiresAt: 1_000_000 - 1 },
    ]);
    expect(changes()).toBe(0);
    expect(state.userGroupMemberships().map((m) => m.group)).toEqual(['a', 'b']);
    state.addConnection(new FakeConnection('1', 'stu'));
    expect(state.groupHasConnections('chat', 'b')).toBe(true);
  });
});
