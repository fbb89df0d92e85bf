/**
 * Co-teachers: teachers who may run the session (not delete it). On a new session they are listed here and
 * added once it is created; on an existing one each add and remove is saved at once (the owner only).
 */
import { EmailSchema, type Session } from '@qrca/contract';
import { useState, type KeyboardEvent } from 'react';
import { humanError } from '../../../components/notice';
import { useAddCoTeacher, useRemoveCoTeacher } from '../api/co-teachers';
import { FieldError } from './form-parts';

const HINT = 'Other teachers who may run this session with you. They cannot delete it.';

/** Checks a typed email: the message to show, or the normalised email. */
function checkEmail(text: string, taken: readonly string[], yourEmail: string): { email?: string; error?: string } {
  const parsed = EmailSchema.safeParse(text);
  if (!parsed.success) return { error: 'Enter the teacher’s email address, such as name@school.edu.' };
  if (parsed.data === yourEmail.toLowerCase()) return { error: 'That is you: you run this session already.' };
  if (taken.includes(parsed.data)) return { error: `${parsed.data} is already a co-teacher.` };
  return { email: parsed.data };
}

function AddForm({
  busy,
  error,
  onAdd,
  onType,
}: {
  busy: boolean;
  error: string | undefined;
  onAdd: (text: string) => boolean | Promise<boolean>;
  onType: () => void;
}) {
  const [text, setText] = useState('');
  const add = async () => {
    if (busy) return;
    if (await onAdd(text)) setText('');
  };
  // Enter adds the teacher instead of submitting the whole session form.
  const onKeyDown = (event: KeyboardEvent<HTMLInputElement>) => {
    if (event.key === 'Enter') {
      event.preventDefault();
      void add();
    }
  };
  const describedBy = ['session-co-teacher-hint', error ? 'session-co-teacher-error' : ''].filter(Boolean).join(' ');
  return (
    <div className="field">
      <label htmlFor="session-co-teacher">Co-teacher’s email</label>
      <p id="session-co-teacher-hint" className="field-hint">
        {HINT}
      </p>
      <div className="inline-actions">
        <input
          id="session-co-teacher"
          type="email"
          inputMode="email"
          autoComplete="off"
          value={text}
          onChange={(event) => {
            setText(event.target.value);
            onType();
          }}
          onKeyDown={onKeyDown}
          aria-describedby={describedBy}
          aria-invalid={error ? true : undefined}
        />
        <button type="button" className="secondary" onClick={() => void add()} aria-disabled={busy}>
          {busy ? 'Adding…' : 'Add co-teacher'}
        </button>
      </div>
      <FieldError id="session-co-teacher" error={error} />
    </div>
  );
}

function PeopleList({
  emails,
  onRemove,
  busyEmail,
}: {
  emails: readonly string[];
  onRemove?: (email: string) => void;
  busyEmail?: string | undefined;
}) {
  if (emails.length === 0) return <p className="hint">No co-teachers.</p>;
  return (
    <ul className="people-list" aria-label="Co-teachers">
      {emails.map((email) => (
        <li key={email}>
          <span>{email}</span>
          {onRemove && (
            <button
              type="button"
              className="link"
              aria-label={`Remove ${email}`}
              aria-disabled={busyEmail === email}
              onClick={() => {
                if (busyEmail !== email) onRemove(email);
              }}
            >
              {busyEmail === email ? 'Removing…' : 'Remove'}
            </button>
          )}
        </li>
      ))}
    </ul>
  );
}

/** A new session's co-teachers, kept in the form until it is created. */
export function DraftCoTeachers({
  emails,
  yourEmail,
  onChange,
  error,
  onError,
}: {
  emails: readonly string[];
  yourEmail: string;
  onChange: (emails: readonly string[]) => void;
  error: string | undefined;
  onError: (message: string | undefined) => void;
}) {
  const [status, setStatus] = useState<string>();
  const add = (text: string) => {
    const checked = checkEmail(text, emails, yourEmail);
    if (!checked.email) {
      onError(checked.error);
      return false;
    }
    onChange([...emails, checked.email]);
    onError(undefined);
    setStatus(`${checked.email} will be added as a co-teacher.`);
    return true;
  };
  return (
    <fieldset>
      <legend>
        <h2>Co-teachers</h2>
      </legend>
      <PeopleList
        emails={emails}
        onRemove={(email) => {
          onChange(emails.filter((e) => e !== email));
          setStatus(`${email} removed.`);
        }}
      />
      <AddForm busy={false} error={error} onAdd={add} onType={() => onError(undefined)} />
      <p role="status" className={status ? 'field-hint' : 'sr-only'}>
        {status}
      </p>
    </fieldset>
  );
}

/** An existing session's co-teachers: the owner adds and removes them at once; others see the list. */
export function LiveCoTeachers({ session, yourEmail }: { session: Session; yourEmail: string }) {
  const add = useAddCoTeacher(session.id);
  const remove = useRemoveCoTeacher(session.id);
  const [error, setError] = useState<string>();
  const [status, setStatus] = useState<string>();
  const owner = session.yourRole === 'owner';

  const onAdd = async (text: string) => {
    const checked = checkEmail(text, session.coTeachers, yourEmail);
    if (!checked.email) {
      setError(checked.error);
      return false;
    }
    setError(undefined);
    try {
      await add.mutateAsync(checked.email);
      setStatus(`${checked.email} can now run this session.`);
      return true;
    } catch (failure) {
      setError(humanError(failure));
      return false;
    }
  };
  const onRemove = (email: string) => {
    setError(undefined);
    remove.mutate(email, {
      onSuccess: () => setStatus(`${email} no longer co-teaches this session.`),
      onError: (failure) => setError(humanError(failure)),
    });
  };

  return (
    <fieldset>
      <legend>
        <h2>Co-teachers</h2>
      </legend>
      <PeopleList
        emails={session.coTeachers}
        {...(owner ? { onRemove, busyEmail: remove.isPending ? remove.variables : undefined } : {})}
      />
      {owner ? (
        <AddForm busy={add.isPending} error={error} onAdd={onAdd} onType={() => setError(undefined)} />
      ) : (
        <p className="field-hint">Only the session’s owner can change who co-teaches it.</p>
      )}
      <p role="status" className={status ? 'field-hint' : 'sr-only'}>
        {status}
      </p>
    </fieldset>
  );
}
