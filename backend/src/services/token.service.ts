/**
 * TokenService: the projector's rotating codes (entry, late, early-leave, exit) — served to the session's
 * teachers only while their phase is open, and resolved when a student scans or types one.
 */
import {
  formatProjectorQr,
  PROJECTOR_KINDS,
  stepAt,
  type ProjectorCode,
  type ProjectorKind,
  type ProjectorQr,
} from '@qrca/contract';
import { hkdfSync } from 'node:crypto';
import { isOpen, openProjectorKinds } from '../domain/phases';
import { matchProjectorCode, projectorCodes, projectorSecret, SKEW_MS } from '../domain/projector-code';
import type { SessionRecord } from '../domain/records';
import { AppError } from '../middleware/errors';
import type { Clock } from '../ports/clock';
import type { Caller } from './auth.service';
import type { SessionScheduleRepository } from '../repositories/session-schedule.repository';
import type { PresenceService } from './presence.service';
import type { SessionAccess } from './session-access';
import type { SessionWriter } from './session-writer';
import type { SignalRService } from './signalr.service';

export interface TokenDependencies {
  readonly access: SessionAccess;
  readonly writer: SessionWriter;
  readonly schedule: SessionScheduleRepository;
  readonly signalr: SignalRService;
  readonly presence: PresenceService;
  readonly clock: Clock;
  /** Server secret the per-session projector secrets derive from (JWT_SECRET). */
  readonly secret: string;
  readonly rotationSeconds: number;
  /** Earlier steps still accepted (default 1) and the clock skew allowed either side (default 2 s). */
  readonly acceptPreviousSteps?: number;
  readonly skewMs?: number;
}

/** How long projector codes are good for: their rotation, earlier steps accepted and the skew allowed. */
export interface ProjectorWindow {
  readonly rotationSeconds: number;
  readonly acceptPreviousSteps: number;
  readonly skewMs: number;
}

/** A projector code a student scanned or typed, as resolved: its kind and time step. */
export interface ResolvedCode {
  readonly kind: ProjectorKind;
  readonly step: number;
}

export class TokenService {
  private readonly projectorKey: Buffer;
  /** The window codes are accepted in (suspicion flags measure lateness against it). */
  readonly window: ProjectorWindow;

  constructor(private readonly deps: TokenDependencies) {
    this.projectorKey = Buffer.from(hkdfSync('sha256', deps.secret, 'qrca', 'projector codes v1', 32));
    this.window = {
      rotationSeconds: deps.rotationSeconds,
      acceptPreviousSteps: deps.acceptPreviousSteps ?? 1,
      skewMs: deps.skewMs ?? SKEW_MS,
    };
  }

  /**
   * The current code of `kind` for the projector, fetched from `clientIp` (kept: scans of its codes are compared
   * with the projector's network). Showing the exit code counts as running exit verification (final status then
   * needs it).
   * @throws NotFoundError; AppError WRONG_PHASE when the kind is not open now.
   */
  async currentCode(caller: Caller, sessionId: string, kind: ProjectorKind, clientIp?: string): Promise<ProjectorCode> {
    const { access, writer, presence, clock } = this.deps;
    const { session } = await access.access(caller, sessionId, 'session:write');
    await presence.markDisplay(sessionId, clientIp);
    const now = clock.now();
    if (!isOpen(session, kind, now)) {
      throw new AppError('WRONG_PHASE', `The ${kind} code is not open now.`, { details: { kind } });
    }
    if (kind === 'exit' && !session.exitRun)
      await writer.updateSession(sessionId, (current) => (current.exitRun ? current : { ...current, exitRun: true }));
    return this.codeAt(session, kind, now);
  }

  /**
   * The session clock's push (a timer on the rotation step): every running session's open projector codes go
   * to its display. Returns how many codes went out. A session's failure is logged by the caller's timer.
   */
  async pushRotatingCodes(): Promise<number> {
    const { access, schedule, signalr, clock } = this.deps;
    const now = clock.now();
    let sent = 0;
    for (const sessionId of await schedule.activeSessions()) {
      const session = await access.findSession(sessionId);
      if (!session) continue;
      const codes = openProjectorKinds(session, now).map((kind) => this.codeAt(session, kind, now));
      signalr.sendCodes(sessionId, codes);
      sent += codes.length;
    }
    return sent;
  }

  /** The code of `kind` for the step of `nowMs`: QR payload and typed code, valid to `expiresAt` (+ one step). */
  private codeAt(session: SessionRecord, kind: ProjectorKind, nowMs: number): ProjectorCode {
    const { rotationSeconds } = this.deps;
    const step = stepAt(nowMs, rotationSeconds);
    const { code, typed } = projectorCodes(this.secretOf(session), session.id, kind, step);
    return {
      kind,
      payload: formatProjectorQr({ sessionId: session.id, projectorKind: kind, step, code }),
      typed,
      step,
      expiresAt: new Date((step + 1) * rotationSeconds * 1000).toISOString(),
    };
  }

  /**
   * Which projector code (kind and step) a scanned QR or a typed code is.
   * @throws AppError INVALID_QR, CODE_EXPIRED.
   */
  resolve(session: SessionRecord, scanned: { qr: ProjectorQr } | { typed: string }, nowMs: number): ResolvedCode {
    const match = matchProjectorCode({
      secret: this.secretOf(session),
      sessionId: session.id,
      kinds: PROJECTOR_KINDS,
      nowMs,
      rotationSeconds: this.window.rotationSeconds,
      acceptPreviousSteps: this.window.acceptPreviousSteps,
      skewMs: this.window.skewMs,
      ...('qr' in scanned
        ? { qr: { kind: scanned.qr.projectorKind, step: scanned.qr.step, code: scanned.qr.code } }
        : { typed: scanned.typed }),
    });
    if (match === 'expired')
      throw new AppError('CODE_EXPIRED', 'That code has changed. Scan or type the code on the screen now.');
    if (match === 'invalid') throw new AppError('INVALID_QR', 'That code is not valid for this session.');
    return match;
  }

  private secretOf(session: SessionRecord): Buffer {
    return projectorSecret(this.projectorKey, session.id, session.projectorNonce ?? '');
  }
}
