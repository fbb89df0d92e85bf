/**
 * How a baton moves, as pure transitions of a chain row and the attendance rows it touches: passed on (a
 * hand-off, a teacher's hand, a reseed), ended at its last holder by a verified classmate, or closed (by the
 * teacher, quietly by the system). Each is written in exactly one place; services only load the rows and commit
 * what comes out.
 */
import type { ChainPhase } from '@qrca/contract';
import { needsVerification } from './eligibility';
import type { AttendanceRecord, ChainRecord } from './records';

const iso = (ms: number) => new Date(ms).toISOString();

/** The facts a verification sets: on-time entry by `method`, or exit. */
export function verification(
  phase: ChainPhase,
  method: 'chain' | 'teacher_close',
  by: string,
  nowMs: number,
): Partial<AttendanceRecord> {
  return phase === 'entry'
    ? { entry: 'on_time', entryAt: iso(nowMs), entryMethod: method, entryVerifiedBy: by }
    : { exitVerified: true, exitAt: iso(nowMs) };
}

export interface Pass {
  readonly chain: ChainRecord;
  /** The previous holder's new row; absent when the chain goes back to its last holder. */
  readonly previous?: AttendanceRecord;
  readonly taker: AttendanceRecord;
  /** The previous holder was verified by this pass. */
  readonly verified: boolean;
}

/**
 * The baton passes to `taker`: next seq, a fresh nonce, the taker holds it, active again. The previous holder
 * is released, and verified (method `chain`, by the taker) when `verifyHolder` and still unverified in the
 * phase — which also lengthens the chain. `flags` are added to the taker's row. Throws nothing.
 */
export function passChain(
  chain: ChainRecord,
  previous: AttendanceRecord | undefined,
  taker: AttendanceRecord,
  options: { nowMs: number; nonce: string; verifyHolder: boolean; flags?: readonly string[] },
): Pass {
  const { phase } = chain;
  const holder = previous && previous.studentId !== taker.studentId ? previous : undefined;
  const verified = options.verifyHolder && holder !== undefined && needsVerification(holder, phase);
  return {
    chain: {
      ...chain,
      seq: chain.seq + 1,
      holderId: taker.studentId,
      previousHolderId: chain.holderId,
      nonce: options.nonce,
      state: 'active',
      length: chain.length + (verified ? 1 : 0),
      lastHandoffAt: iso(options.nowMs),
      issuedAt: iso(options.nowMs),
    },
    ...(holder
      ? {
          previous: {
            ...holder,
            ...(verified ? verification(phase, 'chain', taker.studentId, options.nowMs) : {}),
            holding: holder.holding?.chainId === chain.chainId ? null : holder.holding,
          },
        }
      : {}),
    taker: {
      ...taker,
      holding: { chainId: chain.chainId, phase },
      flags: [...new Set([...taker.flags, ...(options.flags ?? [])])],
    },
    verified,
  };
}

export interface End {
  readonly chain: ChainRecord;
  /** The last holder's new row: verified (if still unverified in the phase) and released. */
  readonly previous?: AttendanceRecord;
  /** The classmate's row with `flags` added; they take nothing. */
  readonly classmate: AttendanceRecord;
  /** The last holder was verified by this end. */
  readonly verified: boolean;
}

/**
 * The chain ends at its last holder (PRODUCT §4.1.6, "no eligible scanner remains"): a classmate already verified
 * in the phase scanned the holder's code, so the holder is verified (method `chain`, by that classmate) and
 * released, and the chain closes — one longer when it verified, with the next seq so its last code is spent, and
 * `endedBy` naming the classmate (each ends at most one chain per phase). The classmate takes nothing; `flags`
 * are added to their row. Whether anyone could still take the baton is the caller's check. Throws nothing.
 */
export function endChainByClassmate(
  chain: ChainRecord,
  holder: AttendanceRecord | undefined,
  classmate: AttendanceRecord,
  options: { nowMs: number; flags?: readonly string[] },
): End {
  const holdsThis = holder?.holding?.chainId === chain.chainId;
  const verified = holder !== undefined && holdsThis && needsVerification(holder, chain.phase);
  return {
    chain: {
      ...chain,
      seq: chain.seq + 1,
      state: 'closed',
      length: chain.length + (verified ? 1 : 0),
      lastHandoffAt: iso(options.nowMs),
      endedBy: classmate.studentId,
    },
    ...(holder && holdsThis
      ? {
          previous: {
            ...holder,
            ...(verified ? verification(chain.phase, 'chain', classmate.studentId, options.nowMs) : {}),
            holding: null,
          },
        }
      : {}),
    classmate: { ...classmate, flags: [...new Set([...classmate.flags, ...(options.flags ?? [])])] },
    verified,
  };
}

/** Who closes a chain: a teacher (who vouches for its last holder), or the system (stall, phase over, end). */
export type CloseBy = { readonly teacher: string } | 'system';

export interface Close {
  readonly chain: ChainRecord;
  /** The last holder's new row; absent when it does not change. */
  readonly holder?: AttendanceRecord;
}

/**
 * The chain closes. A teacher's close verifies its last holder (method `teacher_close`) if still unverified
 * in the phase — unless that student has since taken another baton, whose hand-off will verify them — and
 * releases them. The system's close only releases the holder, who then awaits verification (on an exit
 * chain they may check out with the exit code). Throws nothing.
 */
export function closeChain(
  chain: ChainRecord,
  holder: AttendanceRecord | undefined,
  by: CloseBy,
  nowMs: number,
): Close {
  const closed: ChainRecord = { ...chain, state: 'closed' };
  const holdsThis = holder?.holding?.chainId === chain.chainId;
  if (!holder) return { chain: closed };
  if (by === 'system') {
    if (!holdsThis) return { chain: closed };
    const awaiting = chain.phase === 'exit' && !holder.exitVerified ? { awaitingExit: true } : {};
    return { chain: closed, holder: { ...holder, ...awaiting, holding: null } };
  }
  if (holder.holding && !holdsThis) return { chain: closed };
  const verify = needsVerification(holder, chain.phase);
  return {
    chain: closed,
    holder: {
      ...holder,
      ...(verify ? verification(chain.phase, 'teacher_close', by.teacher, nowMs) : {}),
      holding: null,
    },
  };
}
