/** Connection tokens handed out by negotiate: single use, short-lived, bound to a hub and a user. */
import { randomBytes } from 'node:crypto';

/** What a negotiate call promised: the WebSocket that redeems its token becomes this connection. */
export interface ConnectionTicket {
  connectionId: string;
  /** Lower-cased hub name. */
  hub: string;
  userId: string | undefined;
  /** Epoch ms after which the token is refused. */
  expiresAt: number;
}

/** Tickets waiting for their WebSocket, by connection token. */
export class ConnectionTickets {
  private readonly tickets = new Map<string, ConnectionTicket>();

  /**
   * @param ttlMs how long a token stays redeemable
   * @param maxPending refuse new tickets beyond this many unredeemed ones (a flood of negotiates stays bounded)
   */
  constructor(
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
    private readonly maxPending = 100_000,
  ) {}

  /**
   * Issues a connection id and a token for it (the id itself under negotiate version 0).
   * @returns undefined when too many tokens are pending.
   */
  issue(
    hub: string,
    userId: string | undefined,
    negotiateVersion: 0 | 1 = 1,
  ): { connectionId: string; connectionToken: string } | undefined {
    if (this.tickets.size >= this.maxPending) this.sweep();
    if (this.tickets.size >= this.maxPending) return undefined;
    const connectionId = randomBytes(16).toString('base64url');
    // Negotiate version 0 has no separate token: the client connects with `id=<connectionId>`.
    const connectionToken = negotiateVersion === 0 ? connectionId : randomBytes(24).toString('base64url');
    this.tickets.set(connectionToken, { connectionId, hub, userId, expiresAt: this.now() + this.ttlMs });
    return { connectionId, connectionToken };
  }

  /**
   * Takes the ticket of a token, once, when `accept` agrees (the hub and user match); a refused attempt leaves the
   * ticket for the rightful client. Undefined when unknown, used, expired or refused.
   */
  redeem(
    connectionToken: string,
    accept: (ticket: ConnectionTicket) => boolean = () => true,
  ): ConnectionTicket | undefined {
    const ticket = this.tickets.get(connectionToken);
    if (ticket === undefined) return undefined;
    if (ticket.expiresAt <= this.now()) {
      this.tickets.delete(connectionToken);
      return undefined;
    }
    if (!accept(ticket)) return undefined;
    this.tickets.delete(connectionToken);
    return ticket;
  }

  /** Drops expired tickets. */
  sweep(): void {
    const now = this.now();
    for (const [token, ticket] of this.tickets) if (ticket.expiresAt <= now) this.tickets.delete(token);
  }

  get size(): number {
    return this.tickets.size;
  }

  clear(): void {
    this.tickets.clear();
  }
}
