/** A Clock for tests: time stands still until the test advances it. */
import type { Clock } from '../ports/clock';

export class FakeClock implements Clock {
  constructor(private ms = 1_700_000_000_000) {}

  now(): number {
    return this.ms;
  }

  advance(ms: number): void {
    this.ms += ms;
  }
}
