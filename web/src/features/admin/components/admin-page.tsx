/** Admin: the teacher allow-list (`/admin`) — who was added, by whom and when; add by email, remove after a confirmation. */
import { EmailSchema, type TeacherEntry } from '@qrca/contract';
import { useEffect, useRef, useState, type FormEvent } from 'react';
import { Link } from 'react-router';
import { ConfirmModal } from '../../../components/modal';
import { Busy, ErrorNotice, humanError, PageMessage } from '../../../components/notice';
import { useMe } from '../../auth/api/me';
import { useAddTeacher, useRemoveTeacher, useTeachers } from '../api/teachers';
import '../admin.css';

const when = (iso: string) => new Date(iso).toLocaleString([], { dateStyle: 'medium', timeStyle: 'short' });

function AddTeacherForm({ onAdded }: { onAdded: (email: string) => void }) {
  const add = useAddTeacher();
  const [email, setEmail] = useState('');
  const [error, setError] = useState<string>();
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (add.isPending) return;
    const parsed = EmailSchema.safeParse(email);
    if (!parsed.success) {
      setError('Enter the teacher’s email address, such as name@school.edu.');
      return;
    }
    setError(undefined);
    add.mutate(parsed.data, {
      onSuccess: (entry) => {
        setEmail('');
        onAdded(entry.email);
      },
      onError: (failure) => setError(humanError(failure)),
    });
  };
  return (
    <form className="admin-add" onSubmit={submit} noValidate>
      <label htmlFor="teacher-email">Teacher’s email</label>
      <p id="teacher-email-hint" className="field-hint">
        They can sign in as a teacher from their next request on.
      </p>
      <div className="admin-add-row">
        <input
          id="teacher-email"
          type="email"
          inputMode="email"
          autoComplete="off"
          value={email}
          onChange={(event) => {
            setEmail(event.target.value);
            setError(undefined);
          }}
          aria-describedby={error ? 'teacher-email-hint teacher-email-error' : 'teacher-email-hint'}
          aria-invalid={error ? true : undefined}
        />
        <button type="submit" className="primary" aria-disabled={add.isPending}>
          {add.isPending ? 'Adding…' : 'Add teacher'}
        </button>
      </div>
      {error && (
        <p id="teacher-email-error" role="alert" className="field-error">
          {error}
        </p>
      )}
    </form>
  );
}

function TeacherList({ teachers, onRemove }: { teachers: readonly TeacherEntry[]; onRemove: (email: string) => void }) {
  if (teachers.length === 0) return <p className="hint">Nobody has been added yet.</p>;
  const sorted = [...teachers].sort((a, b) => a.email.localeCompare(b.email));
  return (
    <div className="admin-table-wrap" role="region" aria-labelledby="teachers-list-title" tabIndex={0}>
      <table className="admin-table">
        <thead>
          <tr>
            <th scope="col">Email</th>
            <th scope="col">Added by</th>
            <th scope="col">Added</th>
            <th scope="col">
              <span className="sr-only">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {sorted.map((teacher) => (
            <tr key={teacher.email}>
              <th scope="row">{teacher.email}</th>
              <td data-label="Added by">{teacher.addedBy}</td>
              <td data-label="Added">
                <time dateTime={teacher.addedAt}>{when(teacher.addedAt)}</time>
              </td>
              <td>
                <button
                  type="button"
                  className="secondary"
                  aria-label={`Remove ${teacher.email}`}
                  onClick={() => onRemove(teacher.email)}
                >
                  Remove
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function TeachersAdmin() {
  const teachers = useTeachers(true);
  const remove = useRemoveTeacher();
  const [removing, setRemoving] = useState<string>();
  const [status, setStatus] = useState<string>();
  const [removed, setRemoved] = useState(0);
  const statusLine = useRef<HTMLParagraphElement>(null);

  // After a removal the row (and the button that opened the dialog) is gone: focus the news instead. This runs
  // after the dialog has closed (its layout-effect cleanup, which returns focus to the opener, runs first).
  useEffect(() => {
    if (removed > 0) statusLine.current?.focus();
  }, [removed]);

  const confirm = () => {
    if (!removing) return;
    remove.mutate(removing, {
      onSuccess: () => {
        setStatus(`${removing} was removed from the teacher list.`);
        setRemoving(undefined);
        setRemoved((n) => n + 1);
      },
    });
  };

  return (
    <>
      <p ref={statusLine} role="status" tabIndex={-1} className={status ? 'notice notice-good' : 'sr-only'}>
        {status}
      </p>
      <section aria-labelledby="add-teacher-title">
        <h2 id="add-teacher-title">Add a teacher</h2>
        <AddTeacherForm onAdded={(email) => setStatus(`${email} was added to the teacher list.`)} />
      </section>
      <section>
        <h2 id="teachers-list-title">Teachers on the list</h2>
        {teachers.isPending && <Busy label="Loading the teacher list…" />}
        <ErrorNotice error={teachers.error} />
        {teachers.data && (
          <TeacherList
            teachers={teachers.data.teachers}
            onRemove={(email) => {
              remove.reset();
              setRemoving(email);
            }}
          />
        )}
      </section>
      {removing !== undefined && (
        <ConfirmModal
          title={`Remove ${removing} from the teachers?`}
          confirmLabel="Remove"
          busyLabel="Removing…"
          tone="danger"
          busy={remove.isPending}
          error={remove.error}
          onConfirm={confirm}
          onClose={() => setRemoving(undefined)}
        >
          <p>
            They can no longer create or run sessions, unless their email domain makes them a teacher anyway. Sessions
            they own stay as they are.
          </p>
        </ConfirmModal>
      )}
    </>
  );
}

/** The admin page; everyone else is told it is for administrators. */
export function AdminPage() {
  const me = useMe();
  if (me.data?.role !== 'admin') {
    return (
      <PageMessage title="This page is for administrators">
        <p>Administrators decide here who may teach. If you need to be added as a teacher, ask your administrator.</p>
        <Link to="/">Go to the start page</Link>
      </PageMessage>
    );
  }
  return (
    <main className="page admin-page">
      <p className="eyebrow">
        <Link to="/">QR Chain Attendance</Link> · <Link to="/sessions">Your sessions</Link>
      </p>
      <h1>Teachers</h1>
      <p className="lead">
        People with an email at a teacher domain are teachers already. Add anyone else who should create and run
        sessions.
      </p>
      <TeachersAdmin />
    </main>
  );
}
