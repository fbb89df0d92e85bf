/** Deleting a session (the owner only): a confirmation dialog, then back to the sessions list. */
import type { Session } from '@qrca/contract';
import { useState } from 'react';
import { useNavigate } from 'react-router';
import { ConfirmModal } from '../../../components/modal';
import { useDeleteSession } from '../api/delete-session';

export function DeleteSession({ session }: { session: Session }) {
  const [open, setOpen] = useState(false);
  const remove = useDeleteSession(session.id);
  const navigate = useNavigate();

  const confirm = () =>
    remove.mutate(undefined, {
      onSuccess: () =>
        void navigate('/sessions', { replace: true, state: { notice: `“${session.title}” was deleted.` } }),
    });

  return (
    <section className="danger-zone" aria-labelledby="delete-session-title">
      <h2 id="delete-session-title">Delete this session</h2>
      <p className="field-hint">
        Deleting removes the session, its roster and every attendance record in it, for good. Export the attendance
        first if you need it.
      </p>
      <button
        type="button"
        className="button-danger-quiet"
        onClick={() => {
          remove.reset();
          setOpen(true);
        }}
      >
        Delete session
      </button>
      {open && (
        <ConfirmModal
          title={`Delete “${session.title}”?`}
          confirmLabel="Delete for good"
          busyLabel="Deleting…"
          tone="danger"
          busy={remove.isPending}
          error={remove.error}
          onConfirm={confirm}
          onClose={() => setOpen(false)}
        >
          <p>
            This removes the session, its roster and all its attendance records. Students can no longer join it. This
            cannot be undone.
          </p>
        </ConfirmModal>
      )}
    </section>
  );
}
