/** The teacher allow-list (admins): GET, POST and DELETE /api/admin/teachers. */
import { routes } from '@qrca/contract';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { call } from '../../../lib/api-client';

export const teachersKey = ['admin', 'teachers'] as const;

/** The allow-list; only fetched when `enabled` (the caller is an admin). Errors are ApiErrors. */
export function useTeachers(enabled: boolean) {
  return useQuery({ queryKey: teachersKey, queryFn: () => call(routes.adminTeachersList), enabled });
}

/** Adds (or refreshes) an email on the list. Errors are ApiErrors. */
export function useAddTeacher() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (email: string) => call(routes.adminTeachersAdd, { body: { email } }),
    onSettled: async () => {
      await client.invalidateQueries({ queryKey: teachersKey });
    },
  });
}

/** Removes an email from the list. Errors are ApiErrors (NOT_FOUND when it was not on it). */
export function useRemoveTeacher() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (email: string) => call(routes.adminTeachersRemove, { params: { email } }),
    onSettled: async () => {
      await client.invalidateQueries({ queryKey: teachersKey });
    },
  });
}
