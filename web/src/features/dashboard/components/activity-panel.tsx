/** The activity list: the session's audit log in words, newest first, opened on demand, 50 more at a time. */
import { useMemo, useState } from 'react';
import { Busy, ErrorNotice } from '../../../components/notice';
import { useActivity } from '../api/events';
import { describeEvent, newestFirst, type People } from '../lib/activity';
import { formatTime } from '../lib/labels';

const PAGE = 50;
const REFRESH_MS = 10_000;

/** Throws nothing. */
export function ActivityPanel({ sessionId, people }: { sessionId: string; people: People }) {
  const [open, setOpen] = useState(false);
  const [shown, setShown] = useState(PAGE);
  const [refreshing, setRefreshing] = useState(false);
  const activity = useActivity(sessionId, open, REFRESH_MS);
  const events = useMemo(() => newestFirst(activity.data), [activity.data]);
  const listed = events.slice(0, shown);

  return (
    <section className="dash-card dash-activity" aria-labelledby="activity-title">
      <div className="dash-activity-head">
        <h2 id="activity-title">Activity</h2>
        <button
          type="button"
          className="secondary dash-small"
          aria-expanded={open}
          aria-controls="activity-list"
          onClick={() => setOpen((value) => !value)}
        >
          {open ? 'Hide activity' : 'Show activity'}
        </button>
      </div>
      <div id="activity-list" hidden={!open}>
        {open && activity.isPending && <Busy label="Loading the activity…" />}
        <ErrorNotice error={activity.error} />
        {open && activity.data && (
          <>
            <p className="dash-hint">
              {events.length} {events.length === 1 ? 'event' : 'events'}, newest first: every scan (accepted or refused)
              and every teacher action. Updated every few seconds.
            </p>
            <ol className="dash-events">
              {listed.map((event) => (
                <li key={event.id}>
                  <time dateTime={event.at}>{formatTime(event.at, true)}</time>{' '}
                  <span>{describeEvent(event, people)}</span>
                </li>
              ))}
            </ol>
            <div className="dash-actions">
              {events.length > shown && (
                <button type="button" className="secondary dash-small" onClick={() => setShown((n) => n + PAGE)}>
                  Load more
                </button>
              )}
              <button
                type="button"
                className="secondary dash-small"
                aria-disabled={refreshing}
                onClick={() => {
                  if (refreshing) return;
                  setRefreshing(true);
                  void activity.refetch().finally(() => setRefreshing(false));
                }}
              >
                {refreshing ? 'Refreshing…' : 'Refresh'}
              </button>
            </div>
          </>
        )}
      </div>
    </section>
  );
}
