/** The override dialog: a teacher sets a student's final status with a reason (audited by the server). */
import { FinalStatusSchema, type AttendanceRow, type FinalStatus } from '@qrca/contract';
import { useId, useRef, useState, type FormEvent } from 'react';
import { Modal } from '../../../components/modal';
import { ErrorNotice } from '../../../components/notice';
import { useOverride } from '../api/attendance';
import { formatDateTime, STATUS_HINT, STATUS_LABEL, type DisplayStatus } from '../lib/labels';

const REASON_MAX = 500;

export interface OverrideDialogProps {
  readonly sessionId: string;
  readonly row: AttendanceRow;
  /** The status the row shows now. */
  readonly status: DisplayStatus;
  readonly onClose: () => void;
}

/** Throws nothing; the dialog keeps what was typed when saving fails. */
export function OverrideDialog({ sessionId, row, status, onClose }: OverrideDialogProps) {
  const override = useOverride(sessionId);
  const [final, setFinal] = useState<FinalStatus>(row.override?.final ?? (status === 'waiting' ? 'present' : status));
  const [reason, setReason] = useState('');
  const [missing, setMissing] = useState(false);
  const statusId = useId();
  const reasonId = useId();
  const reasonHintId = useId();
  const select = useRef<HTMLSelectElement>(null);
  const reasonField = useRef<HTMLTextAreaElement>(null);
  const name = row.name ?? row.email;

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (override.isPending) return;
    if (reason.trim() === '') {
      setMissing(true);
      reasonField.current?.focus();
      return;
    }
    override.mutate({ studentId: row.studentId, final, reason: reason.trim() }, { onSuccess: onClose });
  };

  return (
    <Modal title={`Override ${name}`} onClose={onClose} busy={override.isPending} initialFocus={select}>
      <form className="dash-form" onSubmit={submit} noValidate>
        <p>
          {row.name && <span className="dash-hint">{row.email}. </span>}
          Status now: <strong>{STATUS_LABEL[status]}</strong> ({STATUS_HINT[status].toLowerCase()}).
        </p>
        {row.override && (
          <p className="notice notice-neutral">
            Current override: {STATUS_LABEL[row.override.final]}, “{row.override.reason}” — by {row.override.by},{' '}
            {formatDateTime(row.override.at)}.
          </p>
        )}
        <label htmlFor={statusId}>Status</label>
        <select
          ref={select}
          id={statusId}
          value={final}
          onChange={(event) => setFinal(FinalStatusSchema.parse(event.target.value))}
        >
          {FinalStatusSchema.options.map((option) => (
            <option key={option} value={option}>
              {STATUS_LABEL[option]}
            </option>
          ))}
        </select>
        <label htmlFor={reasonId}>Reason</label>
        <textarea
          ref={reasonField}
          id={reasonId}
          value={reason}
          rows={3}
          maxLength={REASON_MAX}
          required
          aria-required="true"
          aria-invalid={missing}
          aria-describedby={reasonHintId}
          onChange={(event) => {
            setReason(event.target.value);
            if (event.target.value.trim()) setMissing(false);
          }}
        />
        <p
          id={reasonHintId}
          className={missing ? 'notice notice-error' : 'dash-hint'}
          role={missing ? 'alert' : undefined}
        >
          {missing ? 'Write a reason: it is kept in the audit log.' : 'Required; kept in the audit log with your name.'}
        </p>
        <ErrorNotice error={override.error} />
        <div className="modal-actions">
          <button
            type="button"
            className="secondary"
            aria-disabled={override.isPending}
            onClick={() => !override.isPending && onClose()}
          >
            Cancel
          </button>
          <button type="submit" className="primary" aria-disabled={override.isPending}>
            {override.isPending ? 'Saving…' : 'Save override'}
          </button>
        </div>
      </form>
    </Modal>
  );
}
