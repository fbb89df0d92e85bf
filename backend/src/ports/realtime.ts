/**
 * Realtime port: Azure SignalR Service in serverless mode (or the bundled emulator, which speaks the same REST
 * and client protocol). Clients connect with a token we mint; we put users in groups and send them messages.
 */

/** Where a client connects (the service's client URL for our hub) and the token it connects with. */
export interface ClientConnection {
  readonly url: string;
  readonly accessToken: string;
}

/** Who a message goes to: every connection of one user, or every member of a group. */
export type Audience = { readonly user: string } | { readonly group: string };

export interface Realtime {
  /** `none` when no realtime service is configured; `signalr` for Azure SignalR (or a compatible emulator). */
  readonly kind: 'none' | 'signalr';
  /** Cheap reachability check for /api/health. */
  ping(): Promise<void>;
  /**
   * A connection for `userId` valid `ttlSeconds` (the user id claim lets messages reach them by user).
   * `origin` is where the client reached us: used when clients connect through our own origin.
   * @throws DependencyUnavailableError when no realtime service is configured.
   */
  clientConnection(userId: string, ttlSeconds: number, origin?: string): Promise<ClientConnection>;
  /** Puts the user (all their connections, now and later) in the group for `ttlSeconds`. */
  addUserToGroup(group: string, userId: string, ttlSeconds: number): Promise<void>;
  /** Sends `target(argument)` to the audience; a user or group with no connection is not an error. */
  send(to: Audience, target: string, argument: unknown): Promise<void>;
  close(): Promise<void>;
}
