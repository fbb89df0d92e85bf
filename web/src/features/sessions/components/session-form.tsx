/**
 * The session form, for a new session or an existing one: checked before sending, busy at once on submit,
 * errors next to the fields they concern (else at the top), and nothing typed lost when saving fails.
 */
import type { PolicyMode, Session } from '@qrca/contract';
import { useEffect, useRef, useState, type FormEvent, type InputHTMLAttributes, type MouseEvent } from 'react';
import { Link, useNavigate } from 'react-router';
import { humanError } from '../../../components/notice';
import { ApiError } from '../../../lib/api-client';
import { newIdempotencyKey, useCreateSession } from '../api/create-session';
import { useUpdateSession } from '../api/update-session';
import { readRosterText, rosterProblem } from '../lib/roster-text';
import {
  changedSettings,
  checkValues,
  errorsFromIssues,
  newSessionValues,
  shiftLocalInput,
  valuesFromSession,
  fromLocalInput,
  type EntryMethod,
  type FieldErrors,
  type FieldName,
  type RosterMode,
  type SessionFormValues,
} from '../lib/session-form';
import { DraftCoTeachers, LiveCoTeachers } from './co-teachers-field';
import { DeleteSession } from './delete-session';
import { Choices, Field } from './form-parts';
import { LocationField } from './location-field';
import { RosterField } from './roster-field';

const ENTRY_METHODS = [
  {
    value: 'chain',
    label: 'Baton chains',
    hint: 'Students check each other in: each scans the code on a classmate’s phone. Hardest to fake from home.',
  },
  {
    value: 'projector',
    label: 'Projector code',
    hint: 'Everyone scans the rotating code on the projector. Quickest, but easier to pass to someone outside.',
  },
  {
    value: 'both',
    label: 'Both',
    hint: 'Chains run, and the projector code works as well — for rooms where some phones cannot scan.',
  },
] as const satisfies readonly { value: EntryMethod; label: string; hint: string }[];

const ROSTER_MODES = [
  { value: 'strict', label: 'Refuse them', hint: 'Only students on the roster can join.' },
  { value: 'flag', label: 'Let them in, flagged', hint: 'They can join; you see them flagged as not on the roster.' },
] as const satisfies readonly { value: RosterMode; label: string; hint: string }[];

const NETWORK_MODES = [
  { value: 'off', label: 'Don’t check', hint: 'Any network will do.' },
  { value: 'warn', label: 'Accept and flag', hint: 'Check-ins from other networks count, flagged for you.' },
  { value: 'enforce', label: 'Refuse', hint: 'Check-ins from other networks are refused.' },
] as const satisfies readonly { value: PolicyMode; label: string; hint: string }[];

const DEVICE_POLICIES = [
  {
    value: 'off',
    label: 'Don’t check',
    hint: 'Phones are not checked: one phone could check in several students.',
  },
  {
    value: 'warn',
    label: 'Accept and flag (recommended)',
    hint: 'Every check-in counts. A phone that checks in a second student, or cannot prove which phone it is, is flagged for you.',
  },
  {
    value: 'enforce',
    label: 'Refuse',
    hint: 'Such check-ins are refused. A student on a very old browser or in a private window may not get in: override for them.',
  },
] as const satisfies readonly { value: PolicyMode; label: string; hint: string }[];

/** The control each field's error links to. */
const FIELD_TARGET: Record<FieldName, string> = {
  title: 'session-title',
  startAt: 'session-start',
  endAt: 'session-end',
  lateCutoffMinutes: 'session-late',
  exitWindowMinutes: 'session-exit',
  entryMethod: 'session-entry-method-chain',
  rosterMode: 'session-roster-mode-strict',
  roster: 'session-roster',
  networks: 'session-networks',
  networksMode: 'session-networks-mode-off',
  lat: 'session-lat',
  lon: 'session-lon',
  radiusM: 'session-radius',
  geofenceMode: 'session-geofence-mode-off',
  devicePolicy: 'session-device-policy-warn',
  coTeachers: 'session-co-teacher',
  form: 'session-title',
};

const FIELD_LABEL: Record<FieldName, string> = {
  title: 'Title',
  startAt: 'Starts',
  endAt: 'Ends',
  lateCutoffMinutes: 'Late cutoff',
  exitWindowMinutes: 'Exit window',
  entryMethod: 'How students check in',
  rosterMode: 'Students not on the roster',
  roster: 'Roster',
  networks: 'Allowed networks',
  networksMode: 'Phones on other networks',
  lat: 'Latitude',
  lon: 'Longitude',
  radiusM: 'Radius',
  geofenceMode: 'Phones outside the circle',
  devicePolicy: 'Shared or unproven phones',
  coTeachers: 'Co-teachers',
  form: 'Session',
};

interface Problem {
  readonly message: string;
  readonly others: readonly string[];
}

/** The top of the form: what went wrong, with a link to each field concerned. Focused when shown. */
function ErrorSummary({ problem, errors, tick }: { problem: Problem; errors: FieldErrors; tick: number }) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => box.current?.focus(), [tick]);
  const jump = (event: MouseEvent<HTMLAnchorElement>, field: FieldName) => {
    event.preventDefault();
    const target = document.getElementById(FIELD_TARGET[field]);
    target?.scrollIntoView({ block: 'center' });
    target?.focus();
  };
  const fields = (Object.keys(errors) as FieldName[]).filter((field) => errors[field]);
  return (
    <div ref={box} role="alert" className="notice notice-error form-errors" tabIndex={-1}>
      <p>{problem.message}</p>
      {(fields.length > 0 || problem.others.length > 0) && (
        <ul>
          {fields.map((field) => (
            <li key={field}>
              <a href={`#${FIELD_TARGET[field]}`} onClick={(event) => jump(event, field)}>
                {FIELD_LABEL[field]}: {errors[field]}
              </a>
            </li>
          ))}
          {problem.others.map((other) => (
            <li key={other}>{other}</li>
          ))}
        </ul>
      )}
    </div>
  );
}

/** A notice handed over by the page that sent people here (e.g. co-teachers not added on create). */
export function noticeFrom(state: unknown): string | undefined {
  if (typeof state !== 'object' || state === null) return undefined;
  const { notice } = state as Record<string, unknown>;
  return typeof notice === 'string' ? notice : undefined;
}

/**
 * The form. Without `session` it creates one (POST with one Idempotency-Key for the form's lifetime, then
 * to its dashboard); with it, it saves the changed settings and a replaced roster.
 */
export function SessionForm({ session, yourEmail }: { session?: Session; yourEmail: string }) {
  const navigate = useNavigate();
  const editing = session !== undefined;
  const [initial] = useState(() => (session ? valuesFromSession(session) : newSessionValues(Date.now())));
  const [values, setValues] = useState<SessionFormValues>(initial);
  const [baseline] = useState(() => checkValues(initial).settings);
  const [rosterText, setRosterText] = useState('');
  const [clearRoster, setClearRoster] = useState(false);
  const [coTeachers, setCoTeachers] = useState<readonly string[]>([]);
  const [errors, setErrors] = useState<FieldErrors>({});
  const [problem, setProblem] = useState<Problem>();
  const [tick, setTick] = useState(0);
  const [idempotencyKey] = useState(newIdempotencyKey);
  const create = useCreateSession();
  const update = useUpdateSession(session?.id ?? '');
  const busy = create.isPending || update.isPending;
  const timeZone = Intl.DateTimeFormat().resolvedOptions().timeZone;

  const set = (change: Partial<SessionFormValues>) => setValues((current) => ({ ...current, ...change }));
  const clearError = (...fields: FieldName[]) =>
    setErrors((current) =>
      fields.some((field) => current[field])
        ? (Object.fromEntries(
            Object.entries(current).filter(([field]) => !fields.includes(field as FieldName)),
          ) as FieldErrors)
        : current,
    );
  const show = (fields: FieldErrors, next: Problem) => {
    setErrors(fields);
    setProblem(next);
    setTick((n) => n + 1);
  };
  const showFailure = (error: unknown) => {
    if (error instanceof ApiError) {
      const { fields, other } = errorsFromIssues(error.issues);
      show(fields, { message: error.message, others: other });
    } else show({}, { message: humanError(error), others: [] });
  };

  /** Moving the start moves the end with it, so the length stays. */
  const setStart = (startAt: string) => {
    const before = fromLocalInput(values.startAt);
    const after = fromLocalInput(startAt);
    const end = fromLocalInput(values.endAt);
    if (before && after && end && Date.parse(end) > Date.parse(before)) {
      set({ startAt, endAt: shiftLocalInput(values.endAt, (Date.parse(after) - Date.parse(before)) / 60_000) });
    } else set({ startAt });
    clearError('startAt', 'endAt');
  };

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (busy) return;
    const checked = checkValues(values);
    const fieldErrors: FieldErrors = { ...checked.errors };
    const rosterResult = readRosterText(rosterText);
    const replacing = !clearRoster && rosterText.trim() !== '';
    const rosterError = replacing ? rosterProblem(rosterResult) : undefined;
    if (rosterError) fieldErrors.roster = rosterError;
    if (!checked.settings || rosterError) {
      show(fieldErrors, { message: 'Some fields need a look before the session can be saved.', others: [] });
      return;
    }
    const roster = replacing && 'reading' in rosterResult ? rosterResult.reading.entries : undefined;
    setErrors({});
    setProblem(undefined);
    if (!editing) {
      create.mutate(
        { settings: checked.settings, ...(roster ? { roster } : {}), coTeachers, idempotencyKey },
        {
          onSuccess: ({ session: created, coTeacherFailures }) => {
            if (coTeacherFailures.length === 0) {
              void navigate(`/sessions/${created.id}`);
              return;
            }
            const notAdded = coTeacherFailures.map((f) => `${f.email} (${f.message})`).join('; ');
            void navigate(`/sessions/${created.id}/edit`, {
              replace: true,
              state: { notice: `The session was created, but these co-teachers were not added: ${notAdded}` },
            });
          },
          onError: showFailure,
        },
      );
      return;
    }
    const patch = baseline ? changedSettings(baseline, checked.settings) : checked.settings;
    const rosterChange = clearRoster ? [] : roster;
    if (Object.keys(patch).length === 0 && !rosterChange) {
      void navigate(`/sessions/${session.id}`);
      return;
    }
    update.mutate(
      { patch, ...(rosterChange ? { roster: rosterChange } : {}) },
      { onSuccess: () => void navigate(`/sessions/${session.id}`), onError: showFailure },
    );
  };

  const text =
    (
      id: string,
      field: 'title' | 'startAt' | 'endAt' | 'lateCutoffMinutes' | 'exitWindowMinutes',
      props: InputHTMLAttributes<HTMLInputElement>,
      onChange?: (value: string) => void,
    ) =>
    (aria: { 'aria-describedby'?: string; 'aria-invalid'?: true }) => (
      <input
        id={id}
        value={values[field]}
        onChange={(event) => {
          if (onChange) onChange(event.target.value);
          else {
            set({ [field]: event.target.value });
            clearError(field);
          }
        }}
        {...props}
        {...aria}
      />
    );

  return (
    <>
      <form className="session-form" onSubmit={submit} noValidate aria-busy={busy}>
        {problem && <ErrorSummary problem={problem} errors={errors} tick={tick} />}

        <fieldset>
          <legend>
            <h2>Basics</h2>
          </legend>
          <Field
            id="session-title"
            label="Title"
            hint="What students see, such as the course and group."
            error={errors.title}
          >
            {text('session-title', 'title', { type: 'text', autoComplete: 'off', maxLength: 200, required: true })}
          </Field>
          <div className="field-row">
            <Field id="session-start" label="Starts" hint={`Your time zone: ${timeZone}.`} error={errors.startAt}>
              {text('session-start', 'startAt', { type: 'datetime-local', required: true }, setStart)}
            </Field>
            <Field id="session-end" label="Ends" hint="At most 24 hours after the start." error={errors.endAt}>
              {text('session-end', 'endAt', { type: 'datetime-local', required: true })}
            </Field>
          </div>
          <div className="field-row">
            <Field
              id="session-late"
              label="Late cutoff (minutes after the start)"
              hint="Students who check in after this count as late."
              error={errors.lateCutoffMinutes}
            >
              {text('session-late', 'lateCutoffMinutes', {
                type: 'number',
                inputMode: 'numeric',
                min: 0,
                max: 240,
                step: 1,
                required: true,
              })}
            </Field>
            <Field
              id="session-exit"
              label="Exit window (minutes before the end)"
              hint="Exit chains and the exit code open this long before the end."
              error={errors.exitWindowMinutes}
            >
              {text('session-exit', 'exitWindowMinutes', {
                type: 'number',
                inputMode: 'numeric',
                min: 0,
                max: 240,
                step: 1,
                required: true,
              })}
            </Field>
          </div>
        </fieldset>

        <fieldset>
          <legend>
            <h2>Check-in</h2>
          </legend>
          <Choices
            id="session-entry-method"
            legend="How students check in"
            name="entryMethod"
            value={values.entryMethod}
            options={ENTRY_METHODS}
            onChange={(entryMethod) => set({ entryMethod })}
            error={errors.entryMethod}
          />
        </fieldset>

        <fieldset>
          <legend>
            <h2>Roster</h2>
          </legend>
          {editing && session.rosterCount > 0 && (
            <div className="choices">
              <label className="choice" htmlFor="session-roster-clear">
                <input
                  id="session-roster-clear"
                  type="checkbox"
                  checked={clearRoster}
                  onChange={(event) => {
                    setClearRoster(event.target.checked);
                    clearError('roster');
                  }}
                />
                <span className="choice-text">
                  <span className="choice-title">Remove the roster</span>
                  <span className="choice-hint">Anyone with the join link can then join.</span>
                </span>
              </label>
            </div>
          )}
          <RosterField
            text={rosterText}
            onText={(next) => {
              setRosterText(next);
              clearError('roster');
            }}
            error={errors.roster}
            onFileError={(message) => setErrors((current) => ({ ...current, roster: message }))}
            disabled={clearRoster}
            {...(editing
              ? {
                  intro:
                    session.rosterCount > 0
                      ? `The roster has ${session.rosterCount.toLocaleString()} students now. To replace it, paste or load the whole new list here; leave this empty to keep it.`
                      : 'This session has no roster: anyone with the join link can join. Add one here.',
                }
              : { intro: 'Optional: without a roster, anyone with the join link can join.' })}
          />
          <Choices
            id="session-roster-mode"
            legend="Students not on the roster"
            name="rosterMode"
            value={values.rosterMode}
            options={ROSTER_MODES}
            onChange={(rosterMode) => set({ rosterMode })}
            error={errors.rosterMode}
          />
        </fieldset>

        <fieldset>
          <legend>
            <h2>Network check</h2>
          </legend>
          <Field
            id="session-networks"
            label="Allowed networks (one per line)"
            hint="The classroom Wi-Fi’s addresses as IP ranges, such as 192.168.1.0/24, or single IP addresses. Ask IT if unsure."
            error={errors.networks}
          >
            {(aria) => (
              <textarea
                id="session-networks"
                rows={3}
                spellCheck={false}
                autoComplete="off"
                value={values.networks}
                onChange={(event) => {
                  set({ networks: event.target.value });
                  clearError('networks');
                }}
                {...aria}
              />
            )}
          </Field>
          <Choices
            id="session-networks-mode"
            legend="Phones on other networks"
            name="networksMode"
            value={values.networksMode}
            options={NETWORK_MODES}
            onChange={(networksMode) => {
              set({ networksMode });
              clearError('networks', 'networksMode');
            }}
            error={errors.networksMode}
            inline
          />
        </fieldset>

        <LocationField
          values={values}
          errors={errors}
          onChange={(change) => {
            set(change);
            clearError(...(Object.keys(change) as FieldName[]), 'lat');
          }}
        />

        <fieldset>
          <legend>
            <h2>Phone check</h2>
          </legend>
          <p className="field-hint">
            Each student’s phone proves with every scan that it is the same phone, with a key the browser made for this
            app. Nothing else about the phone is read.
          </p>
          <Choices
            id="session-device-policy"
            legend="Shared or unproven phones"
            name="devicePolicy"
            value={values.devicePolicy}
            options={DEVICE_POLICIES}
            onChange={(devicePolicy) => {
              set({ devicePolicy });
              clearError('devicePolicy');
            }}
            error={errors.devicePolicy}
          />
        </fieldset>

        {editing ? (
          <LiveCoTeachers session={session} yourEmail={yourEmail} />
        ) : (
          <DraftCoTeachers
            emails={coTeachers}
            yourEmail={yourEmail}
            onChange={setCoTeachers}
            error={errors.coTeachers}
            onError={(message) =>
              message ? setErrors((current) => ({ ...current, coTeachers: message })) : clearError('coTeachers')
            }
          />
        )}

        <div className="form-actions">
          <button type="submit" className="primary" aria-disabled={busy}>
            {editing ? (busy ? 'Saving…' : 'Save changes') : busy ? 'Creating…' : 'Create session'}
          </button>
          <Link to={editing ? `/sessions/${session.id}` : '/sessions'}>Cancel</Link>
          <p role="status" className="sr-only">
            {busy ? (editing ? 'Saving the session…' : 'Creating the session…') : ''}
          </p>
        </div>
      </form>
      {editing && session.yourRole === 'owner' && <DeleteSession session={session} />}
    </>
  );
}
