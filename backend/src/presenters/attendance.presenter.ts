/** What a student sees of their own attendance: their status and, while they hold a baton, the hold. */
import type { AttendanceRow, FinalStatus, Hold, MyStatus } from '@qrca/contract';
import { finalStatus, minutesLate } from '../domain/final-status';
import type { AttendanceRecord, ChainRecord, SessionRecord } from '../domain/records';

/** A teacher's override, else the status frozen at the end, else the live computation. */
export function finalOf(row: AttendanceRecord, session: SessionRecord): FinalStatus {
  return row.override?.final ?? row.frozenFinal ?? finalStatus(row, session.exitRun === true);
}

export function presentMyStatus(row: AttendanceRecord, session: SessionRecord): MyStatus {
  return {
    entry: row.entry,
    exitVerified: row.exitVerified,
    earlyLeaveAt: row.earlyLeaveAt,
    final: finalOf(row, session),
  };
}

/** One row of the teacher's attendance list: everything about the student in this session, no secrets. */
export function presentAttendanceRow(row: AttendanceRecord, session: SessionRecord): AttendanceRow {
  return {
    studentId: row.studentId,
    email: row.email,
    name: row.name ?? null,
    joined: row.joinedAt !== null,
    entry: row.entry,
    entryAt: row.entryAt,
    entryMethod: row.entryMethod,
    exitVerified: row.exitVerified,
    exitAt: row.exitAt,
    earlyLeaveAt: row.earlyLeaveAt,
    final: finalOf(row, session),
    flags: [...row.flags],
    flagEvidence: [...(row.flagEvidence ?? [])],
    override: row.override ?? null,
    minutesLate: minutesLate(row, session),
    version: row.rev ?? 0,
    spotCheck: row.spotCheck
      ? {
          spotCheckId: row.spotCheck.spotCheckId,
          pickedAt: row.spotCheck.pickedAt,
          answer: row.spotCheck.answer,
          at: row.spotCheck.at,
          by: row.spotCheck.by,
        }
      : null,
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
