/**
 * What scanning (or typing) a projector code does to a student's row: on-time entry, late entry, early leave
 * or exit — each once; a repeat gives the same outcome and changes nothing (PRODUCT §4.2–4.4).
 */
import type { ProjectorKind, ScanResponse } from '@qrca/contract';
import { AppError } from '../middleware/errors';
import { isOpen, phaseAt, type OpeningFacts } from './phases';
import type { AttendanceRecord } from './records';

const iso = (ms: number) => new Date(ms).toISOString();
const wrongPhase = (message: string) => new AppError('WRONG_PHASE', message);
const notEligible = (message: string) => new AppError('NOT_ELIGIBLE', message);

export interface ProjectorEffect {
  readonly outcome: ScanResponse['outcome'];
  /** The student's new row, or undefined when they already have this effect (same answer, no change). */
  readonly next?: AttendanceRecord;
  /**
   * The chain this student held and now ends: the code of its phase makes them its last holder (entry or
   * late code for an entry chain, exit or early-leave code for an exit chain).
   */
  readonly endsChain?: string;
}

/**
 * The effect of a projector code of `kind` scanned by a joined student at `nowMs`; `flags` (warn-mode
 * verdicts) are added to a changed row.
 * @throws AppError WRONG_PHASE (code not open), NOT_LATE_YET (late code during entry), NOT_ELIGIBLE (early
 * leave or exit without having come; exit that must go through a chain), ALREADY_VERIFIED (late code after
 * an on-time entry).
 */
export function projectorScanEffect(
  session: OpeningFacts,
  row: AttendanceRecord,
  kind: ProjectorKind,
  nowMs: number,
  flags: readonly string[] = [],
): ProjectorEffect {
  const { outcome, next } = effectOf(session, row, kind, nowMs);
  if (!next) return { outcome };
  const held = row.holding;
  const ends =
    held !== null &&
    (held.phase === 'entry' ? kind === 'entry' || kind === 'late' : kind === 'exit' || kind === 'early-leave');
  return {
    outcome,
    next: { ...next, holding: ends ? null : next.holding, flags: [...new Set([...next.flags, ...flags])] },
    ...(held && ends ? { endsChain: held.chainId } : {}),
  };
}

function effectOf(
  session: OpeningFacts,
  row: AttendanceRecord,
  kind: ProjectorKind,
  nowMs: number,
): { outcome: ScanResponse['outcome']; next?: AttendanceRecord } {
  switch (kind) {
    case 'entry': {
      if (!isOpen(session, 'entry', nowMs)) throw wrongPhase('The entry code is not open now.');
      if (row.entry !== null) return { outcome: 'entry' };
      return {
        outcome: 'entry',
        next: { ...row, entry: 'on_time', entryAt: iso(nowMs), entryMethod: 'projector', entryVerifiedBy: null },
      };
    }
    case 'late': {
      if (session.status === 'active' && phaseAt(session, nowMs).phase === 'entry') {
        throw new AppError('NOT_LATE_YET', 'You are on time — scan a classmate’s chain instead.');
      }
      if (!isOpen(session, 'late', nowMs)) throw wrongPhase('The late code is not open now.');
      if (row.entry === 'late') return { outcome: 'late_entry' };
      if (row.entry === 'on_time') throw new AppError('ALREADY_VERIFIED', 'You are already checked in on time.');
      return {
        outcome: 'late_entry',
        next: { ...row, entry: 'late', entryAt: iso(nowMs), entryMethod: 'projector', entryVerifiedBy: null },
      };
    }
    case 'early-leave': {
      if (!isOpen(session, 'early-leave', nowMs)) throw wrongPhase('Early leave is not open now.');
      if (row.entry === null) throw notEligible('Check in first: only students who came can leave early.');
      if (row.earlyLeaveAt) return { outcome: 'early_leave' };
      return { outcome: 'early_leave', next: { ...row, earlyLeaveAt: iso(nowMs) } };
    }
    case 'exit': {
      if (!isOpen(session, 'exit', nowMs)) throw wrongPhase('The exit code is not open now.');
      if (row.exitVerified) return { outcome: 'exit_holder' };
      if (row.entry === null || row.earlyLeaveAt) throw notEligible('Only students who came and stayed can check out.');
      const lastHolder = row.holding?.phase === 'exit';
      if (session.entryMethod === 'chain' && !lastHolder && !row.awaitingExit) {
        throw notEligible('Check out through a classmate’s exit chain.');
      }
      return { outcome: 'exit_holder', next: { ...row, exitVerified: true, exitAt: iso(nowMs), awaitingExit: false } };
    }
  }
}
