/** What a student sees of their own attendance: their status and, while they hold a baton, the hold. */
import type { Hold, MyStatus } from '@qrca/contract';
import { finalStatus } from '../domain/final-status';
import type { AttendanceRecord, ChainRecord, SessionRecord } from '../repositories/session.repository';

export function presentMyStatus(row: AttendanceRecord, session: SessionRecord): MyStatus {
  return {
    entry: row.entry,
    exitVerified: row.exitVerified,
    earlyLeaveAt: row.earlyLeaveAt,
    final: finalStatus(row, session.exitRun === true),
  };
}

/** The hold handed to its holder only (the secret lets a phone show the rotating code). */
export function presentHold(chain: ChainRecord, secret: Uint8Array, rotationSeconds: number): Hold {
  return {
    chainId: chain.chainId,
    phase: chain.phase,
    seq: chain.seq,
    secret: Buffer.from(secret).toString('base64url'),
    rotationSeconds,
    issuedAt: chain.issuedAt,
  };
}
