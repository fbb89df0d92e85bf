/** In-memory hub state: live connections by hub, user and group, and user-group memberships with TTL. */

/** A live, handshaken client connection as the state sees it. */
export interface ClientConnection {
  readonly id: string;
  /** Lower-cased hub name. */
  readonly hub: string;
  readonly userId: string | undefined;
  /** Queues a pre-serialized frame (shared by every recipient of one send). */
  send(frame: Buffer): void;
  /** Sends a close message and closes the socket. */
  close(options: { error?: string; allowReconnect?: boolean }): void;
}

/** A user-group membership as persisted: `expiresAt` in epoch ms, null for "until removed". */
export interface UserGroupMembership {
  hub: string;
  user: string;
  group: string;
  expiresAt: number | null;
}

/** Counts for logs and tests. */
export interface EmulatorStats {
  /** Handshaken connections, all hubs. */
  connections: number;
  /** Distinct (hub, user id) pairs with at least one connection. */
  users: number;
  /** Distinct (hub, group) pairs with at least one member: a connection, or a user whose membership is live. */
  groups: number;
}

/** The service keeps the 100 latest groups a user joined without a TTL and drops older ones. */
export const MAX_GROUPS_WITHOUT_TTL = 100;

interface Membership {
  expiresAt: number | null;
}

class HubIndex {
  readonly connections = new Map<string, ClientConnection>();
  readonly connectionsByUser = new Map<string, Set<ClientConnection>>();
  /** Connection-scoped membership (lost when the connection ends, as in Azure). */
  readonly connectionsByGroup = new Map<string, Set<ClientConnection>>();
  readonly groupsByConnection = new Map<string, Set<string>>();
  /** User-scoped membership, in update order (oldest first), which the 100-group limit relies on. */
  readonly groupsByUser = new Map<string, Map<string, Membership>>();
  readonly usersByGroup = new Map<string, Set<string>>();

  isEmpty(): boolean {
    return this.connections.size === 0 && this.groupsByUser.size === 0;
  }
}

/** Hub state. Every method is synchronous and total: invalid input is the caller's job (REST validates names). */
export class HubState {
  private readonly hubs = new Map<string, HubIndex>();

  /**
   * @param now clock in epoch ms (tests pass a fake)
   * @param onMembershipChange called after any change to user-group memberships (persistence hooks in here)
   */
  constructor(
    private readonly now: () => number = Date.now,
    private readonly onMembershipChange: () => void = () => {},
  ) {}

  addConnection(connection: ClientConnection): void {
    const index = this.indexFor(connection.hub);
    index.connections.set(connection.id, connection);
    if (connection.userId !== undefined) addTo(index.connectionsByUser, connection.userId, connection);
  }

  removeConnection(connection: ClientConnection): void {
    const index = this.hubs.get(connection.hub);
    if (index?.connections.get(connection.id) !== connection) return;
    index.connections.delete(connection.id);
    if (connection.userId !== undefined) removeFrom(index.connectionsByUser, connection.userId, connection);
    for (const group of index.groupsByConnection.get(connection.id) ?? []) {
      removeFrom(index.connectionsByGroup, group, connection);
    }
    index.groupsByConnection.delete(connection.id);
    this.dropIfEmpty(connection.hub, index);
  }

  connection(hub: string, connectionId: string): ClientConnection | undefined {
    return this.hubs.get(hub)?.connections.get(connectionId);
  }

  /** Every connection of the hub. */
  hubConnections(hub: string): Iterable<ClientConnection> {
    return this.hubs.get(hub)?.connections.values() ?? [];
  }

  /** Every connection of the user in the hub. */
  userConnections(hub: string, user: string): Iterable<ClientConnection> {
    return this.hubs.get(hub)?.connectionsByUser.get(user) ?? [];
  }

  /** Every connection in the group: added by connection, or belonging to a user in the group. */
  groupConnections(hub: string, group: string): Set<ClientConnection> {
    const index = this.hubs.get(hub);
    const members = new Set<ClientConnection>(index?.connectionsByGroup.get(group));
    if (index === undefined) return members;
    for (const user of this.liveUsersOfGroup(hub, index, group)) {
      for (const connection of index.connectionsByUser.get(user) ?? []) members.add(connection);
    }
    return members;
  }

  userHasConnections(hub: string, user: string): boolean {
    return (this.hubs.get(hub)?.connectionsByUser.get(user)?.size ?? 0) > 0;
  }

  groupHasConnections(hub: string, group: string): boolean {
    const index = this.hubs.get(hub);
    if (index === undefined) return false;
    if ((index.connectionsByGroup.get(group)?.size ?? 0) > 0) return true;
    return this.liveUsersOfGroup(hub, index, group).some((user) => (index.connectionsByUser.get(user)?.size ?? 0) > 0);
  }

  /** Adds a live connection to a group; false when the hub has no such connection. */
  addConnectionToGroup(hub: string, group: string, connectionId: string): boolean {
    const index = this.hubs.get(hub);
    const connection = index?.connections.get(connectionId);
    if (index === undefined || connection === undefined) return false;
    addTo(index.connectionsByGroup, group, connection);
    addTo(index.groupsByConnection, connectionId, group);
    return true;
  }

  /** Removes a connection from a group; false when it was not in it. */
  removeConnectionFromGroup(hub: string, group: string, connectionId: string): boolean {
    const index = this.hubs.get(hub);
    const connection = index?.connections.get(connectionId);
    if (index === undefined || connection === undefined) return false;
    if (!removeFrom(index.groupsByConnection, connectionId, group)) return false;
    removeFrom(index.connectionsByGroup, group, connection);
    return true;
  }

  /** Removes a connection from every group it was added to; false when the hub has no such connection. */
  removeConnectionFromAllGroups(hub: string, connectionId: string): boolean {
    const index = this.hubs.get(hub);
    const connection = index?.connections.get(connectionId);
    if (index === undefined || connection === undefined) return false;
    for (const group of index.groupsByConnection.get(connectionId) ?? []) {
      removeFrom(index.connectionsByGroup, group, connection);
    }
    index.groupsByConnection.delete(connectionId);
    return true;
  }

  /**
   * Adds a user to a group, for every current and future connection of theirs, until removed or `ttlSeconds`
   * pass. `ttlSeconds = 0` adds only the user's current connections (service semantics). Without a TTL the user
   * keeps at most {@link MAX_GROUPS_WITHOUT_TTL} groups; adding one more drops the least recently updated.
   */
  addUserToGroup(hub: string, user: string, group: string, ttlSeconds?: number): void {
    if (ttlSeconds === 0) {
      for (const connection of [...this.userConnections(hub, user)]) {
        this.addConnectionToGroup(hub, group, connection.id);
      }
      return;
    }
    const index = this.indexFor(hub);
    const groups = index.groupsByUser.get(user) ?? new Map<string, Membership>();
    index.groupsByUser.set(user, groups);
    groups.delete(group); // re-inserted last: most recently updated
    groups.set(group, { expiresAt: ttlSeconds === undefined ? null : this.now() + ttlSeconds * 1000 });
    addTo(index.usersByGroup, group, user);
    if (ttlSeconds === undefined) this.enforceGroupLimit(index, user, groups);
    this.onMembershipChange();
  }

  /** Removes a user from a group; false when the user was not (or no longer) in it. */
  removeUserFromGroup(hub: string, user: string, group: string): boolean {
    const wasMember = this.isUserInGroup(hub, user, group);
    const index = this.hubs.get(hub);
    if (index === undefined || !this.deleteMembership(index, user, group)) return false;
    this.dropIfEmpty(hub, index);
    this.onMembershipChange();
    return wasMember;
  }

  /** Removes a user from every group (user-scoped memberships). */
  removeUserFromAllGroups(hub: string, user: string): void {
    const index = this.hubs.get(hub);
    const groups = index?.groupsByUser.get(user);
    if (index === undefined || groups === undefined) return;
    for (const group of [...groups.keys()]) this.deleteMembership(index, user, group);
    this.dropIfEmpty(hub, index);
    this.onMembershipChange();
  }

  /** True when the user is in the group and the membership has not expired. */
  isUserInGroup(hub: string, user: string, group: string): boolean {
    const membership = this.hubs.get(hub)?.groupsByUser.get(user)?.get(group);
    return membership !== undefined && this.isLive(membership);
  }

  /** Drops expired memberships; returns how many. */
  sweepExpired(): number {
    let dropped = 0;
    for (const [hub, index] of [...this.hubs]) {
      for (const [user, groups] of [...index.groupsByUser]) {
        for (const [group, membership] of [...groups]) {
          if (!this.isLive(membership) && this.deleteMembership(index, user, group)) dropped += 1;
        }
      }
      this.dropIfEmpty(hub, index);
    }
    if (dropped > 0) this.onMembershipChange();
    return dropped;
  }

  /** Live user-group memberships, for persistence. */
  userGroupMemberships(): UserGroupMembership[] {
    const out: UserGroupMembership[] = [];
    for (const [hub, index] of this.hubs) {
      for (const [user, groups] of index.groupsByUser) {
        for (const [group, membership] of groups) {
          if (this.isLive(membership)) out.push({ hub, user, group, expiresAt: membership.expiresAt });
        }
      }
    }
    return out;
  }

  /** Restores persisted memberships (expired ones are skipped), without calling onMembershipChange. */
  restoreUserGroupMemberships(memberships: readonly UserGroupMembership[]): void {
    for (const { hub, user, group, expiresAt } of memberships) {
      if (expiresAt !== null && expiresAt <= this.now()) continue;
      const index = this.indexFor(hub);
      const groups = index.groupsByUser.get(user) ?? new Map<string, Membership>();
      index.groupsByUser.set(user, groups);
      groups.delete(group);
      groups.set(group, { expiresAt });
      addTo(index.usersByGroup, group, user);
    }
  }

  stats(): EmulatorStats {
    let connections = 0;
    const users = new Set<string>();
    let groups = 0;
    for (const [hub, index] of this.hubs) {
      connections += index.connections.size;
      for (const user of index.connectionsByUser.keys()) users.add(`${hub}\n${user}`);
      const groupNames = new Set(index.connectionsByGroup.keys());
      for (const group of index.usersByGroup.keys()) {
        if (this.liveUsersOfGroup(hub, index, group).length > 0) groupNames.add(group);
      }
      groups += groupNames.size;
    }
    return { connections, users: users.size, groups };
  }

  private liveUsersOfGroup(hub: string, index: HubIndex, group: string): string[] {
    const users = index.usersByGroup.get(group);
    if (users === undefined) return [];
    return [...users].filter((user) => this.isUserInGroup(hub, user, group));
  }

  private enforceGroupLimit(index: HubIndex, user: string, groups: Map<string, Membership>): void {
    let withoutTtl = 0;
    for (const membership of groups.values()) if (membership.expiresAt === null) withoutTtl += 1;
    for (const [group, membership] of groups) {
      if (withoutTtl <= MAX_GROUPS_WITHOUT_TTL) break;
      if (membership.expiresAt !== null) continue;
      this.deleteMembership(index, user, group);
      withoutTtl -= 1;
    }
  }

  private deleteMembership(index: HubIndex, user: string, group: string): boolean {
    const groups = index.groupsByUser.get(user);
    if (groups === undefined || !groups.delete(group)) return false;
    if (groups.size === 0) index.groupsByUser.delete(user);
    removeFrom(index.usersByGroup, group, user);
    return true;
  }

  private isLive(membership: Membership): boolean {
    return membership.expiresAt === null || membership.expiresAt > this.now();
  }

  private indexFor(hub: string): HubIndex {
    let index = this.hubs.get(hub);
    if (index === undefined) {
      index = new HubIndex();
      this.hubs.set(hub, index);
    }
    return index;
  }

  private dropIfEmpty(hub: string, index: HubIndex): void {
    if (index.isEmpty()) this.hubs.delete(hub);
  }
}

function addTo<K, V>(map: Map<K, Set<V>>, key: K, value: V): void {
  const set = map.get(key);
  if (set === undefined) map.set(key, new Set([value]));
  else set.add(value);
}

function removeFrom<K, V>(map: Map<K, Set<V>>, key: K, value: V): boolean {
  const set = map.get(key);
  if (set === undefined || !set.delete(value)) return false;
  if (set.size === 0) map.delete(key);
  return true;
}
