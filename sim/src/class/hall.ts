/**
 * The lecture hall of one simulated class: what people in the room can see (whose phone shows a baton, the
 * projector's codes), who still waits to be verified, and the record of what happened — each verification with
 * the request that made it, for the truth and the real-time figures. Phones and the teacher share one Hall.
 */
import type { ChainPhase, Hold, ProjectorCode, ProjectorKind } from '@qrca/contract';
import type { Window } from './truth';

/** A verification the simulation caused, as the client saw it. */
export interface Verification {
  readonly studentId: string;
  readonly kind: 'entry' | 'late' | 'exit' | 'early';
  readonly method: 'chain' | 'teacher_close' | 'projector';
  readonly window: Window;
  /** The instance that served the request (for per-instance real-time figures). */
  readonly instance: number;
}

/** What the rest of the hall needs to know of a phone. */
export interface Seen {
  readonly id: string;
  /** The baton the phone shows now (null: none). */
  readonly shown: Hold | null;
  /** In the room for this phase (arrived, not gone early). */
  readonly present: boolean;
}

export class Hall {
  /** Phones whose screens show a baton, by student id. */
  private readonly showing = new Map<string, Hold>();
  private readonly verified = new Map<string, Verification>();
  private wakers: (() => void)[] = [];
  private readonly codes = new Map<ProjectorKind, ProjectorCode>();
  /** Every verification made, in order. */
  readonly verifications: Verification[] = [];
  /** Every scan's time from request to answer, ms. */
  readonly scanMs: number[] = [];
  /** Scans on their way (sent, not answered). */
  inFlight = 0;
  handoffs = 0;
  chainEnds = 0;
  exitCodeEnds = 0;
  /** Students who ended a chain at its last holder, by phase. */
  readonly vouched = new Map<ChainPhase, Set<string>>([
    ['entry', new Set()],
    ['exit', new Set()],
  ]);
  /** Problems the simulation met that are not refusals (an event outside its schema, a lost phone). */
  readonly problems: string[] = [];

  constructor(
    readonly sessionId: string,
    /** Asks the projector for the current code of an open kind (the teacher's GET …/codes/{kind}). */
    private readonly fetchCode: (kind: ProjectorKind) => Promise<ProjectorCode>,
  ) {}

  /** A phone's screen changed. */
  show(studentId: string, hold: Hold | null): void {
    const before = this.showing.get(studentId);
    if (hold) this.showing.set(studentId, hold);
    else this.showing.delete(studentId);
    if (before?.chainId !== hold?.chainId || before?.seq !== hold?.seq) this.wake();
  }

  /** The baton a student's phone shows, if any. */
  shownBy(studentId: string): Hold | undefined {
    return this.showing.get(studentId);
  }

  /** Students whose phones show a baton of `phase`, except `except`. */
  holders(phase: ChainPhase, except?: string): string[] {
    return [...this.showing].filter(([id, hold]) => hold.phase === phase && id !== except).map(([id]) => id);
  }

  /** Records a verification (the first of its kind per student counts). */
  record(verification: Verification): void {
    const key = `${verification.kind}:${verification.studentId}`;
    if (this.verified.has(key)) {
      this.problems.push(`${verification.studentId} verified twice for ${verification.kind}`);
      return;
    }
    this.verified.set(key, verification);
    this.verifications.push(verification);
    this.wake();
  }

  /** The recorded verification of a kind for a student. */
  verificationOf(studentId: string, kind: Verification['kind']): Verification | undefined {
    return this.verified.get(`${kind}:${studentId}`);
  }

  isVerified(studentId: string, phase: ChainPhase): boolean {
    return phase === 'entry'
      ? this.verified.has(`entry:${studentId}`) || this.verified.has(`late:${studentId}`)
      : this.verified.has(`exit:${studentId}`);
  }

  /** Resolves at the next change in the room, or after `ms` (so waiters look again even if nothing happened). */
  nextChange(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wakers.push(done);
    });
  }

  /** Wakes everyone waiting for a change. */
  wake(): void {
    const wakers = this.wakers;
    this.wakers = [];
    for (const wake of wakers) wake();
  }

  /** A code pushed to the projector (the display's `codeRotated`). */
  projectorShows(code: ProjectorCode): void {
    this.codes.set(code.kind, code);
  }

  /** The code the projector shows now for `kind` (fetched when the display has none still valid). */
  async projectorCode(kind: ProjectorKind): Promise<ProjectorCode> {
    const known = this.codes.get(kind);
    if (known && Date.parse(known.expiresAt) > Date.now() + 500) return known;
    const fresh = await this.fetchCode(kind);
    this.codes.set(kind, fresh);
    return fresh;
  }
}
