/** A student's own status, in one big sentence (announced when it changes). */
import type { MyStatus } from '@qrca/contract';

const time = (iso: string) => new Date(iso).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });

const FINAL: Record<MyStatus['final'], string> = {
  present: 'Present',
  late: 'Late',
  early_leave: 'Left early (with permission)',
  left_early: 'Left before the end',
  absent: 'Absent',
};

export function statusLine(status: MyStatus, holding: boolean, ended: boolean): { title: string; tone: string } {
  if (ended) return { title: `Final: ${FINAL[status.final]}`, tone: status.final === 'absent' ? 'bad' : 'good' };
  if (status.earlyLeaveAt) return { title: `You left early at ${time(status.earlyLeaveAt)}`, tone: 'neutral' };
  if (status.exitVerified) return { title: 'Checked out ✓', tone: 'good' };
  if (status.entry === 'on_time') return { title: 'Checked in — on time ✓', tone: 'good' };
  if (status.entry === 'late') return { title: 'Checked in — late ✓', tone: 'good' };
  if (holding) return { title: 'Not checked in yet — show your baton', tone: 'neutral' };
  return { title: 'Not checked in yet', tone: 'bad' };
}

export function StatusCard({ status, holding, ended }: { status: MyStatus; holding: boolean; ended: boolean }) {
  const { title, tone } = statusLine(status, holding, ended);
  return (
    <section className={`status-card tone-${tone}`} aria-labelledby="my-status">
      <h2 id="my-status" aria-live="polite">
        {title}
      </h2>
      {!ended && status.entry === null && !holding && (
        <p>Scan a classmate’s baton. Arriving late? Scan or type the code on the screen.</p>
      )}
    </section>
  );
}
