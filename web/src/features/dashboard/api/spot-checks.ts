/** Spot checks: start one (students picked by the server) and answer it for one student at a time. */
import { routes, type SpotCheckAnswer } from '@qrca/contract';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { call } from '../../../lib/api-client';
import { applyAttendanceChanges, type AttendanceState } from '../lib/attendance-state';
import { attendanceKey } from './attendance';

/** `POST …/spot-checks` with `count` students to pick. */
export function useStartSpotCheck(sessionId: string) {
  return useMutation({
    mutationFn: (count: number) => call(routes.spotChecksStart, { params: { id: sessionId }, body: { count } }),
  });
}

/** What one answer sends. */
export interface SpotCheckAnswerInput {
  readonly spotCheckId: string;
  readonly studentId: string;
  readonly answer: SpotCheckAnswer;
  /** With `not_here`: the override's reason. */
  readonly reason?: string;
}

/** `POST …/spot-checks/{spotCheckId}/answers`; the answered row goes straight into the list. */
export function useAnswerSpotCheck(sessionId: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: ({ spotCheckId, studentId, answer, reason }: SpotCheckAnswerInput) =>
      call(routes.spotChecksAnswer, {
        params: { id: sessionId, spotCheckId },
        body: { studentId, answer, ...(reason ? { reason } : {}) },
      }),
    onSuccess: (row) => {
      client.setQueryData<AttendanceState>(attendanceKey(sessionId), (state) =>
        state ? applyAttendanceChanges(state, [row]) : state,
      );
    },
  });
}
