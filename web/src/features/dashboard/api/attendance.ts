/** The attendance list (kept by student id for live updates) and teachers' overrides. */
import { routes, type AttendanceRow, type FinalStatus } from '@qrca/contract';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { call } from '../../../lib/api-client';
import { applyAttendanceChanges, toAttendanceState, type AttendanceState } from '../lib/attendance-state';

export const attendanceKey = (id: string) => ['session', id, 'attendance'] as const;

/** Whether two rows say the same (so a snapshot keeps unchanged rows as they were, and their memoised cells). */
function sameRow(a: AttendanceRow, b: AttendanceRow): boolean {
  return (
    a.entry === b.entry &&
    a.entryAt === b.entryAt &&
    a.entryMethod === b.entryMethod &&
    a.exitVerified === b.exitVerified &&
    a.exitAt === b.exitAt &&
    a.earlyLeaveAt === b.earlyLeaveAt &&
    a.final === b.final &&
    a.joined === b.joined &&
    a.name === b.name &&
    a.email === b.email &&
    a.flags.join('\n') === b.flags.join('\n') &&
    JSON.stringify(a.flagEvidence ?? []) === JSON.stringify(b.flagEvidence ?? []) &&
    JSON.stringify(a.override) === JSON.stringify(b.override) &&
    JSON.stringify(a.spotCheck ?? null) === JSON.stringify(b.spotCheck ?? null)
  );
}

/** A fresh list, with the rows that did not change taken from `previous`. */
function keepUnchanged(next: AttendanceState, previous: AttendanceState | undefined): AttendanceState {
  if (!previous) return next;
  const byId = new Map(next.byId);
  for (const [id, row] of byId) {
    const before = previous.byId.get(id);
    if (before && sameRow(before, row)) byId.set(id, before);
  }
  return { ...next, byId };
}

/** `GET …/attendance` as an {@link AttendanceState}; polls every `pollMs` while real time is down. */
export function useAttendance(sessionId: string, pollMs: number | false) {
  const client = useQueryClient();
  return useQuery({
    queryKey: attendanceKey(sessionId),
    queryFn: async ({ signal }) => {
      const answer = await call(routes.attendanceGet, { params: { id: sessionId }, signal });
      return keepUnchanged(toAttendanceState(answer), client.getQueryData<AttendanceState>(attendanceKey(sessionId)));
    },
    refetchInterval: pollMs,
    // Maps are not plain data: compare nothing, the state is rebuilt deliberately.
    structuralSharing: false,
  });
}

/** What the override dialog sends. */
export interface OverrideInput {
  readonly studentId: string;
  readonly final: FinalStatus;
  readonly reason: string;
}

/** `PUT …/attendance/{studentId}/override`; the answered row goes straight into the list. */
export function useOverride(sessionId: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: ({ studentId, final, reason }: OverrideInput) =>
      call(routes.attendanceOverride, { params: { id: sessionId, studentId }, body: { final, reason } }),
    onSuccess: (row) => {
      client.setQueryData<AttendanceState>(attendanceKey(sessionId), (state) =>
        state ? applyAttendanceChanges(state, [row]) : state,
      );
    },
  });
}
