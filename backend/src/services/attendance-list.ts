/** The attendance list of a session: every student's row (roster members who never joined included) and the counts. */
import type { AttendanceCounts, AttendanceResponse, AttendanceRow } from '@qrca/contract';
import { rosterOnly, type AttendanceRecord, type SessionRecord } from '../domain/records';
import { presentAttendanceRow } from '../presenters/attendance.presenter';
import type { SessionRepository } from '../repositories/session.repository';

/** Counts by final status, and the joined students not verified on entry (yet). Throws nothing. */
export function countRows(rows: readonly AttendanceRow[]): AttendanceCounts {
  const counts = { present: 0, late: 0, early_leave: 0, left_early: 0, absent: 0, unverified: 0 };
  for (const row of rows) {
    counts[row.final]++;
    if (row.joined && row.entry === null) counts.unverified++;
  }
  return counts;
}

/** Reads and presents the whole list, in email order. @throws the store's errors. */
export async function buildAttendance(
  repository: SessionRepository,
  session: SessionRecord,
): Promise<AttendanceResponse> {
  const [rows, roster] = await Promise.all([repository.listAttendance(session.id), repository.listRoster(session.id)]);
  const byId = new Map<string, AttendanceRecord>(rows.map((row) => [row.value.studentId, row.value]));
  for (const entry of roster) if (!byId.has(entry.studentId)) byId.set(entry.studentId, rosterOnly(entry));
  const presented = [...byId.values()]
    .map((row) => presentAttendanceRow(row, session))
    .sort((a, b) => a.email.localeCompare(b.email));
  return { counts: countRows(presented), rows: presented };
}
