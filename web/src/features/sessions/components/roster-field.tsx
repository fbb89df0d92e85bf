/**
 * The roster: pasted lines or a CSV file (loaded into the same box, so it can be checked and corrected), and a
 * preview of what was understood — the students with their names, and every line left out with its reason.
 */
import type { RosterEntry, RosterRejection } from '@qrca/contract';
import { useDeferredValue, useMemo, useState, type ChangeEvent } from 'react';
import { plural } from '../../../lib/plural';
import { decodeRosterBytes, MAX_ROSTER_FILE_BYTES, readRosterText, type RosterTextResult } from '../lib/roster-text';
import { describedBy, FieldError } from './form-parts';

const REASONS: Record<RosterRejection['reason'], (rejection: RosterRejection) => string> = {
  no_email: () => 'no email address (a heading or an empty row?)',
  invalid_email: (r) => `“${r.email ?? ''}” is not a valid email address`,
  duplicate: (r) => `${r.email ?? 'this email'} is already on an earlier line`,
};

function entryParts(entry: RosterEntry): { email: string; name: string | undefined } {
  return typeof entry === 'string' ? { email: entry, name: undefined } : { email: entry.email, name: entry.name };
}

/** What the roster text was understood as; rejected lines are quoted from `source` as typed. */
export function RosterPreview({ result, source }: { result: RosterTextResult; source: string }) {
  const lines = useMemo(() => source.replace(/^\uFEFF/, '').split(/\r\n|\r|\n/), [source]);
  if ('error' in result) {
    return (
      <section className="roster-preview" aria-labelledby="roster-preview-title">
        <h3 id="roster-preview-title">Roster preview</h3>
        <p className="field-error">{result.error}</p>
      </section>
    );
  }
  const { entries, rejected, heading } = result.reading;
  return (
    <section className="roster-preview" aria-labelledby="roster-preview-title">
      <h3 id="roster-preview-title">Roster preview</h3>
      <p role="status">
        {plural(entries.length, 'student', 'students')} understood
        {rejected.length > 0 && `, ${plural(rejected.length, 'line', 'lines')} not used`}.
      </p>
      {heading !== undefined && (
        <p className="hint">
          Heading row left out: <code>{heading}</code>
        </p>
      )}
      <h4 id="roster-accepted-title">Students on the roster ({entries.length.toLocaleString()})</h4>
      {entries.length === 0 ? (
        <p className="hint">None yet: each line needs an email address.</p>
      ) : (
        <div className="roster-scroll" role="region" aria-labelledby="roster-accepted-title" tabIndex={0}>
          <table className="roster-table">
            <thead>
              <tr>
                <th scope="col">#</th>
                <th scope="col">Name</th>
                <th scope="col">Email</th>
              </tr>
            </thead>
            <tbody>
              {entries.map((entry, i) => {
                const { email, name } = entryParts(entry);
                return (
                  <tr key={email}>
                    <td>{i + 1}</td>
                    <td>{name ?? <span className="hint">(no name)</span>}</td>
                    <td>{email}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
      {rejected.length > 0 && (
        <>
          <h4 id="roster-rejected-title">Lines not used ({rejected.length.toLocaleString()})</h4>
          <div className="roster-scroll" role="region" aria-labelledby="roster-rejected-title" tabIndex={0}>
            <ul className="rejected-lines">
              {rejected.map((rejection) => (
                <li key={rejection.line}>
                  Line {rejection.line}: <code>{(lines[rejection.line - 1] ?? rejection.text) || '(empty)'}</code> —{' '}
                  {REASONS[rejection.reason](rejection)}
                </li>
              ))}
            </ul>
          </div>
        </>
      )}
    </section>
  );
}

/**
 * The roster box, the file picker and the preview. `text` is the whole roster as typed or loaded; `error` is
 * the form's message for it (shown under the box).
 */
export function RosterField({
  text,
  onText,
  error,
  onFileError,
  disabled,
  intro,
}: {
  text: string;
  onText: (text: string) => void;
  error: string | undefined;
  onFileError: (message: string) => void;
  disabled: boolean;
  intro?: string;
}) {
  const [loaded, setLoaded] = useState<string>();
  const deferred = useDeferredValue(text);
  const result = useMemo(() => readRosterText(deferred), [deferred]);
  const hint = (
    <>
      {intro && (
        <>
          {intro}
          <br />
        </>
      )}
      One student per line: their email, and their name if you like (“Ada Lovelace, ada@school.edu”). Rows copied from a
      spreadsheet work too.
    </>
  );

  const load = async (event: ChangeEvent<HTMLInputElement>) => {
    const file = event.target.files?.[0];
    event.target.value = '';
    if (!file) return;
    if (file.size > MAX_ROSTER_FILE_BYTES) {
      onFileError(`“${file.name}” is too large for a roster (at most 2 MB).`);
      return;
    }
    try {
      const content = decodeRosterBytes(new Uint8Array(await file.arrayBuffer()));
      onText(content);
      setLoaded(`Loaded “${file.name}” into the box above. Check the preview below.`);
    } catch {
      onFileError(`“${file.name}” could not be read. Try saving it again as CSV.`);
    }
  };

  return (
    <>
      <div className="field">
        <label htmlFor="session-roster">Students (paste the roster)</label>
        <p id="session-roster-hint" className="field-hint">
          {hint}
        </p>
        <textarea
          id="session-roster"
          rows={8}
          spellCheck={false}
          autoComplete="off"
          value={text}
          disabled={disabled}
          onChange={(event) => onText(event.target.value)}
          aria-describedby={describedBy('session-roster', hint, error)}
          aria-invalid={error ? true : undefined}
        />
        <FieldError id="session-roster" error={error} />
      </div>
      <div className="field">
        <label htmlFor="session-roster-file">Or load a CSV file</label>
        <p id="session-roster-file-hint" className="field-hint">
          The column with an @ is the email; the first other column is the name. A heading row is left out.
        </p>
        <input
          id="session-roster-file"
          type="file"
          accept=".csv,.txt,.tsv,text/csv,text/plain"
          disabled={disabled}
          aria-describedby="session-roster-file-hint"
          onChange={(event) => void load(event)}
        />
        <p role="status" className="field-hint">
          {loaded}
        </p>
      </div>
      {!disabled && text.trim() !== '' && deferred.trim() !== '' && <RosterPreview result={result} source={deferred} />}
    </>
  );
}
