/**
 * The spot-check card: the teacher asks for N students (picked by the server, more often the flagged ones), then
 * sees one name at a time in large type with why it was picked and its flags' evidence, and marks "Here" or
 * "Not here" (with a reason: the student is overridden to absent). Progress and the summary are announced.
 */
import {
  DEFAULT_SPOT_CHECK,
  MAX_SPOT_CHECK,
  SPOT_CHECK_DEFAULT_REASON,
  type AttendanceRow,
  type SpotCheckAnswer,
} from '@qrca/contract';
import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import { ErrorNotice } from '../../../components/notice';
import { useAnswerSpotCheck, useStartSpotCheck } from '../api/spot-checks';
import { flagEvidence, flagText } from '../lib/labels';
import {
  currentStudent,
  pickedBecause,
  progressText,
  recordAnswer,
  skipStudent,
  startRun,
  summaryText,
  type SpotCheckRun,
} from '../lib/spot-check';

const REASON_MAX = 500;

export interface SpotCheckCardProps {
  readonly sessionId: string;
  /** The row of a student as the dashboard shows it now (for the flags' evidence). */
  readonly rowOf: (studentId: string) => AttendanceRow | undefined;
}

function StartForm({ busy, onStart }: { busy: boolean; onStart: (count: number) => void }) {
  const [count, setCount] = useState(String(DEFAULT_SPOT_CHECK));
  const countId = useId();
  const hintId = useId();
  const parsed = Number(count);
  const invalid = !Number.isInteger(parsed) || parsed < 1 || parsed > MAX_SPOT_CHECK;
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!busy && !invalid) onStart(parsed);
  };
  return (
    <form className="dash-form" onSubmit={submit} noValidate>
      <label htmlFor={countId}>How many students</label>
      <input
        id={countId}
        className="dash-spot-count"
        type="number"
        inputMode="numeric"
        min={1}
        max={MAX_SPOT_CHECK}
        value={count}
        aria-describedby={hintId}
        aria-invalid={invalid}
        onChange={(event) => setCount(event.target.value)}
      />
      <p id={hintId} className="dash-hint">
        {invalid
          ? `A whole number from 1 to ${MAX_SPOT_CHECK}.`
          : 'Picked at random among the students checked in; flagged students come up more often.'}
      </p>
      <button type="submit" className="primary" aria-disabled={busy || invalid}>
        {busy ? 'Picking…' : `Spot-check ${invalid ? '' : `${parsed} `}${parsed === 1 ? 'student' : 'students'}`}
      </button>
    </form>
  );
}

/** Throws nothing; errors are shown in the card. */
export function SpotCheckCard({ sessionId, rowOf }: SpotCheckCardProps) {
  const start = useStartSpotCheck(sessionId);
  const answer = useAnswerSpotCheck(sessionId);
  const [run, setRun] = useState<SpotCheckRun>();
  const [askingReason, setAskingReason] = useState(false);
  const [reason, setReason] = useState(SPOT_CHECK_DEFAULT_REASON);
  const nameRef = useRef<HTMLParagraphElement>(null);
  const doneRef = useRef<HTMLParagraphElement>(null);
  const reasonRef = useRef<HTMLTextAreaElement>(null);
  const titleId = useId();
  const reasonId = useId();
  const student = run ? currentStudent(run) : undefined;
  const busy = answer.isPending;

  // Keyboard and screen-reader users follow the walk-through: each name (then the summary) takes the focus.
  useEffect(() => {
    if (!run) return;
    (student ? nameRef.current : doneRef.current)?.focus();
  }, [run, student]);
  useEffect(() => {
    if (askingReason) reasonRef.current?.focus();
  }, [askingReason]);

  const begin = (count: number) => {
    answer.reset();
    start.mutate(count, { onSuccess: (picked) => setRun(startRun(picked.spotCheckId, picked.students)) });
  };

  const mark = (given: SpotCheckAnswer) => {
    if (!run || !student || busy) return;
    const text = reason.trim() || SPOT_CHECK_DEFAULT_REASON;
    answer.mutate(
      {
        spotCheckId: run.spotCheckId,
        studentId: student.studentId,
        answer: given,
        ...(given === 'not_here' ? { reason: text } : {}),
      },
      {
        onSuccess: () => {
          setRun((current) => current && recordAnswer(current, student.studentId, given));
          setAskingReason(false);
          setReason(SPOT_CHECK_DEFAULT_REASON);
        },
      },
    );
  };

  const submitNotHere = (event: FormEvent) => {
    event.preventDefault();
    mark('not_here');
  };

  const row = student ? rowOf(student.studentId) : undefined;
  const name = student ? (student.name ?? student.email) : '';

  return (
    <section className="dash-card dash-spot" aria-labelledby={titleId}>
      <h2 id={titleId}>Spot check</h2>
      {!run && (
        <>
          <p className="dash-hint">
            Ask for a few students by name: the human check that no phone can fake. “Not here” marks the student absent
            (an audited override).
          </p>
          <StartForm busy={start.isPending} onStart={begin} />
        </>
      )}
      {run && student && (
        <div className="dash-spot-student">
          <p className="dash-spot-progress" aria-live="polite">
            Student {progressText(run)}
          </p>
          <p className="dash-spot-name" tabIndex={-1} ref={nameRef}>
            {name}
          </p>
          {student.name && <p className="dash-email">{student.email}</p>}
          <p>{pickedBecause(student)}</p>
          {student.flags.length > 0 && (
            <ul className="dash-spot-flags">
              {[...new Set(student.flags)].map((flag) => {
                const seen = row ? flagEvidence(row, flag) : [];
                return (
                  <li key={flag}>
                    <strong>{flagText(flag).label}.</strong> {seen[0]?.text ?? flagText(flag).explanation}
                  </li>
                );
              })}
            </ul>
          )}
          {askingReason ? (
            <form className="dash-form" onSubmit={submitNotHere} noValidate>
              <label htmlFor={reasonId}>Reason (kept with the override)</label>
              <textarea
                ref={reasonRef}
                id={reasonId}
                rows={2}
                maxLength={REASON_MAX}
                value={reason}
                onChange={(event) => setReason(event.target.value)}
              />
              <div className="dash-actions">
                <button type="submit" className="primary" aria-disabled={busy}>
                  {busy ? 'Saving…' : `Mark ${name} absent`}
                </button>
                <button
                  type="button"
                  className="secondary"
                  aria-disabled={busy}
                  onClick={() => !busy && setAskingReason(false)}
                >
                  Back
                </button>
              </div>
            </form>
          ) : (
            <div className="dash-actions dash-spot-answers">
              <button type="button" className="primary" aria-disabled={busy} onClick={() => mark('here')}>
                {busy ? 'Saving…' : 'Here'}
              </button>
              <button
                type="button"
                className="secondary"
                aria-disabled={busy}
                onClick={() => !busy && setAskingReason(true)}
              >
                Not here
              </button>
              <button
                type="button"
                className="secondary"
                aria-disabled={busy}
                onClick={() => !busy && setRun(skipStudent(run))}
              >
                Skip
              </button>
            </div>
          )}
        </div>
      )}
      {run && !student && (
        <>
          <p className="dash-spot-done" tabIndex={-1} ref={doneRef} role="status">
            {summaryText(run)}
          </p>
          <p className="dash-actions">
            <button type="button" className="secondary" onClick={() => setRun(undefined)}>
              New spot check
            </button>
          </p>
        </>
      )}
      <ErrorNotice error={start.error ?? answer.error} />
    </section>
  );
}
