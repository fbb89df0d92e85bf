/**
 * Delivery of real-time messages without holding anyone's request: one FIFO per audience (a user, a group), so a
 * student's events arrive in order, audiences in parallel; each send retried by the adapter (transient failures
 * only), a failure logged, never thrown. Bounded: past {@link MAX_QUEUED} waiting messages for one audience the
 * oldest are dropped (and logged) — a client that reconnects fetches a snapshot anyway.
 */
import type { RealtimeEvent, RealtimeEventName } from '@qrca/contract';
import type { Audience, Realtime } from '../ports/realtime';
import type { Logger } from '../utils/logger';

const MAX_QUEUED = 1_000;

interface Message {
  readonly to: Audience;
  readonly event: RealtimeEventName;
  readonly payload: RealtimeEvent;
}

/** Observes every message handed to the adapter (tests check each against the contract). */
export type DeliveryObserver = (message: Message) => void;

export class RealtimeDelivery {
  private readonly queues = new Map<string, Message[]>();
  private readonly running = new Map<string, Promise<void>>();
  private delivered = 0;
  private failed = 0;

  constructor(
    private readonly realtime: Realtime,
    private readonly logger: Logger,
    private readonly observe?: DeliveryObserver,
  ) {}

  /** Queues `event` for the audience; returns at once. */
  enqueue<N extends RealtimeEventName>(to: Audience, event: N, payload: RealtimeEvent<N>): void {
    if (this.realtime.kind === 'none') return;
    const key = 'user' in to ? `u:${to.user}` : `g:${to.group}`;
    const queue = this.queues.get(key) ?? [];
    queue.push({ to, event, payload });
    if (queue.length > MAX_QUEUED) {
      queue.shift();
      this.logger.warn({ audience: key, event }, 'realtime queue full: dropped the oldest message');
    }
    this.queues.set(key, queue);
    if (!this.running.has(key)) {
      const run = this.drain(key).finally(() => this.running.delete(key));
      this.running.set(key, run);
    }
  }

  /** Resolves when every message queued so far was delivered or given up on (tests, shutdown). */
  async flush(): Promise<void> {
    while (this.running.size > 0) await Promise.all([...this.running.values()]);
  }

  stats(): { delivered: number; failed: number; waiting: number } {
    let waiting = 0;
    for (const queue of this.queues.values()) waiting += queue.length;
    return { delivered: this.delivered, failed: this.failed, waiting };
  }

  private async drain(key: string): Promise<void> {
    for (;;) {
      const queue = this.queues.get(key);
      const message = queue?.shift();
      if (!message) {
        this.queues.delete(key);
        return;
      }
      try {
        this.observe?.(message);
        await this.realtime.send(message.to, message.event, message.payload);
        this.delivered++;
      } catch (error) {
        this.failed++;
        this.logger.warn({ err: error, audience: key, event: message.event }, 'realtime delivery failed');
      }
    }
  }
}
