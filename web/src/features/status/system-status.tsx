/** Shows GET /api/health: whether the service and each dependency are up. */
import { HealthResponseSchema, routes, type HealthResponse } from '@qrca/contract';
import { useEffect, useState } from 'react';

type State = { kind: 'loading' } | { kind: 'ready'; health: HealthResponse } | { kind: 'offline' };

async function fetchHealth(signal: AbortSignal): Promise<HealthResponse> {
  const response = await fetch(`/api/${routes.health.path}`, { signal, headers: { Accept: 'application/json' } });
  return HealthResponseSchema.parse(await response.json());
}

export function SystemStatus() {
  const [state, setState] = useState<State>({ kind: 'loading' });
  useEffect(() => {
    const controller = new AbortController();
    fetchHealth(controller.signal).then(
      (health) => setState({ kind: 'ready', health }),
      () => {
        if (!controller.signal.aborted) setState({ kind: 'offline' });
      },
    );
    return () => controller.abort();
  }, []);

  if (state.kind === 'loading') return <p aria-live="polite">Checking the service…</p>;
  if (state.kind === 'offline') return <p role="alert">The service cannot be reached right now.</p>;
  const { health } = state;
  return (
    <section aria-labelledby="status-title" className="status">
      <h2 id="status-title">Service status: {health.status === 'ok' ? 'all systems working' : 'degraded'}</h2>
      <ul>
        {Object.entries(health.checks).map(([name, check]) => (
          <li key={name}>
            <span className={check.ok ? 'ok' : 'bad'} aria-hidden="true">
              {check.ok ? '●' : '○'}
            </span>{' '}
            {name}: {check.kind} {check.ok ? `(${check.ms} ms)` : '— unavailable'}
          </li>
        ))}
      </ul>
    </section>
  );
}
