import { describe, expect, it } from 'vitest';
import { ConnectionTickets } from './connection-tickets';

function setup(maxPending?: number) {
  let now = 0;
  const tickets = new ConnectionTickets(30_000, () => now, maxPending);
  return { tickets, advance: (ms: number) => (now += ms) };
}

describe('ConnectionTickets', () => {
  it('redeems a token once, with its hub and user', () => {
    const { tickets } = setup();
    const issued = tickets.issue('chat', 'u1');
    expect(issued?.connectionToken).not.toBe(issued?.connectionId);
    const ticket = tickets.redeem(issued?.connectionToken ?? '');
    expect(ticket).toMatchObject({ connectionId: issued?.connectionId, hub: 'chat', userId: 'u1' });
    expect(tickets.redeem(issued?.connectionToken ?? '')).toBeUndefined();
    expect(tickets.redeem('unknown')).toBeUndefined();
  });

  it('keeps a ticket that a mismatched attempt was refused', () => {
    const { tickets } = setup();
    const token = tickets.issue('chat', 'u1')?.connectionToken ?? '';
    expect(tickets.redeem(token, (t) => t.userId === 'intruder')).toBeUndefined();
    expect(tickets.redeem(token, (t) => t.userId === 'u1')).toBeDefined();
  });

  it('expires tokens after the TTL and sweeps them', () => {
    const { tickets, advance } = setup();
    const late = tickets.issue('chat', undefined)?.connectionToken ?? '';
    tickets.issue('chat', undefined);
    advance(29_999);
    const fresh = tickets.issue('chat', undefined)?.connectionToken ?? '';
    advance(1);
    expect(tickets.redeem(late)).toBeUndefined();
    tickets.sweep();
    expect(tickets.size).toBe(1);
    expect(tickets.redeem(fresh)).toBeDefined();
  });

  it('uses the connection id as the token under negotiate version 0', () => {
    const { tickets } = setup();
    const issued = tickets.issue('chat', undefined, 0);
    expect(issued?.connectionToken).toBe(issued?.connectionId);
  });

  it('refuses new tickets beyond the pending limit until some expire', () => {
    const { tickets, advance } = setup(2);
    tickets.issue('chat', undefined);
    tickets.issue('chat', undefined);
    expect(tickets.issue('chat', undefined)).toBeUndefined();
    advance(30_000);
    expect(tickets.issue('chat', undefined)).toBeDefined();
  });
});
