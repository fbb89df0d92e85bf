/** The dashboard's header: the session's title, status and times, how students join, and where to go next. */
import type { Session } from '@qrca/contract';
import { useState } from 'react';
import { Link } from 'react-router';
import { formatDateTime, formatTime } from '../lib/labels';

const STATUS_TEXT: Record<Session['status'], string> = { scheduled: 'Upcoming', active: 'Active', ended: 'Ended' };

/** Copies the join link; says so for a moment (or that it could not). */
function CopyJoinLink({ url }: { url: string }) {
  const [copied, setCopied] = useState<'yes' | 'no'>();
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(url);
      setCopied('yes');
    } catch {
      setCopied('no');
    }
    setTimeout(() => setCopied(undefined), 3_000);
  };
  return (
    <>
      <button type="button" className="link" onClick={() => void copy()}>
        Copy join link
      </button>
      <span role="status" className="dash-hint">
        {copied === 'yes' ? 'Copied.' : copied === 'no' ? 'Could not copy: select the link instead.' : ''}
      </span>
    </>
  );
}

/** Throws nothing. */
export function SessionHeader({ session, now }: { session: Session; now: number }) {
  const entryClosed = Date.parse(session.entryClosesAt) <= now || session.status === 'ended';
  return (
    <header className="dash-head">
      <p className="dash-back">
        <Link to="/sessions">All sessions</Link>
      </p>
      <div className="dash-title">
        <h1>{session.title}</h1>
        <span className={`dash-status dash-status-${session.status}`}>{STATUS_TEXT[session.status]}</span>
      </div>
      <dl className="dash-facts">
        <div>
          <dt>Start</dt>
          <dd>
            <time dateTime={session.startedAt ?? session.startAt}>
              {formatDateTime(session.startedAt ?? session.startAt)}
            </time>
            {session.startedAt && session.startedAt !== session.startAt && (
              <span className="dash-hint"> (planned {formatTime(session.startAt)})</span>
            )}
          </dd>
        </div>
        <div>
          <dt>End</dt>
          <dd>
            <time dateTime={session.endedAt ?? session.endAt}>{formatDateTime(session.endedAt ?? session.endAt)}</time>
            {session.endedAt && <span className="dash-hint"> (planned {formatTime(session.endAt)})</span>}
          </dd>
        </div>
        <div>
          <dt>{entryClosed ? 'On-time entry closed' : 'On-time entry closes'}</dt>
          <dd>
            <time dateTime={session.entryClosesAt}>{formatTime(session.entryClosesAt)}</time>
          </dd>
        </div>
        <div>
          <dt>Join code</dt>
          <dd className="dash-code">{session.joinCode}</dd>
        </div>
        <div className="dash-join-link">
          <dt>Join link</dt>
          <dd>
            <a href={session.joinUrl}>{session.joinUrl.replace(/^https?:\/\//, '')}</a>{' '}
            <CopyJoinLink url={session.joinUrl} />
          </dd>
        </div>
      </dl>
      <p className="dash-links">
        <Link className="button primary" to={`/projector/${session.id}`} target="_blank" rel="noopener">
          Projector view<span className="dash-sr-only"> (opens in a new window)</span>
          <span aria-hidden="true">&nbsp;↗</span>
        </Link>
        {session.status !== 'ended' && (
          <Link className="button secondary" to={`/sessions/${session.id}/edit`}>
            Edit
          </Link>
        )}
      </p>
    </header>
  );
}
