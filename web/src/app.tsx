/** The app shell. Sign-in, sessions, projector and student screens arrive feature by feature. */
import { SystemStatus } from './features/status/system-status';

export function App() {
  return (
    <main className="shell">
      <header>
        <h1>QR Chain Attendance</h1>
        <p className="lead">
          Students vouch for each other in person by passing a rotating QR “baton”. Teachers watch it live and export a
          record they can trust.
        </p>
      </header>
      <SystemStatus />
    </main>
  );
}
