/** "Hand to…": pick a student who may take the chain (searchable), then hand it over. */
import type { AttendanceRow } from '@qrca/contract';
import { useId, useMemo, useState, type FormEvent } from 'react';
import { Modal } from '../../../components/modal';
import { ErrorNotice } from '../../../components/notice';
import { matchesSearch } from '../lib/roster-view';

/** At most this many choices are listed; searching narrows them down. */
const SHOWN = 50;

export interface HandDialogProps {
  /** "Entry chain 2". */
  readonly chainName: string;
  readonly candidates: readonly AttendanceRow[];
  readonly busy: boolean;
  readonly error: unknown;
  readonly onHand: (studentId: string) => void;
  readonly onClose: () => void;
}

/** Throws nothing; what was typed and chosen stays after an error. */
export function HandDialog({ chainName, candidates, busy, error, onHand, onClose }: HandDialogProps) {
  const [search, setSearch] = useState('');
  const [chosen, setChosen] = useState<string>();
  const [missing, setMissing] = useState(false);
  const searchId = useId();
  const hintId = useId();
  const matches = useMemo(() => candidates.filter((row) => matchesSearch(row, search)), [candidates, search]);
  const shown = matches.slice(0, SHOWN);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (busy) return;
    if (!chosen) {
      setMissing(true);
      return;
    }
    onHand(chosen);
  };

  return (
    <Modal title={`Hand ${chainName} to…`} onClose={onClose} busy={busy}>
      <form className="dash-form" onSubmit={submit}>
        <label htmlFor={searchId}>Search students</label>
        <input
          id={searchId}
          type="search"
          value={search}
          autoComplete="off"
          aria-describedby={hintId}
          onChange={(event) => setSearch(event.target.value)}
        />
        <p id={hintId} className="dash-hint">
          Students who joined, are not verified in this phase and hold no chain.
          {matches.length > SHOWN && ` Showing ${SHOWN} of ${matches.length}: type to narrow down.`}
        </p>
        <fieldset className="dash-choices">
          <legend>
            Students who can take it ({matches.length}
            {matches.length === candidates.length ? '' : ` of ${candidates.length}`})
          </legend>
          {shown.length === 0 && <p className="dash-hint">Nobody matches.</p>}
          {shown.map((row) => (
            <label key={row.studentId} className="dash-choice">
              <input
                type="radio"
                name="student"
                value={row.studentId}
                checked={chosen === row.studentId}
                onChange={() => {
                  setChosen(row.studentId);
                  setMissing(false);
                }}
              />
              <span>
                {row.name ?? row.email}
                {row.name && <span className="dash-hint"> {row.email}</span>}
              </span>
            </label>
          ))}
        </fieldset>
        {missing && (
          <p role="alert" className="notice notice-error">
            Choose a student first.
          </p>
        )}
        <ErrorNotice error={error} />
        <div className="modal-actions">
          <button type="button" className="secondary" aria-disabled={busy} onClick={() => !busy && onClose()}>
            Cancel
          </button>
          <button type="submit" className="primary" aria-disabled={busy}>
            {busy ? 'Handing over…' : 'Hand over'}
          </button>
        </div>
      </form>
    </Modal>
  );
}
