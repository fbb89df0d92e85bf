/**
 * Real time for a screen: one SignalR connection per session and view, negotiated through `/api/negotiate`
 * (the session cookie proves who we are), reconnecting by itself, negotiating afresh before its token ages,
 * and telling the screen when to fetch one snapshot (after every (re)connect). Payloads are checked against the
 * contract before a handler sees them. When real time cannot be had, the state says so and screens poll.
 */
import * as signalR from '@microsoft/signalr';
import { realtimeEvents, type NegotiateView, type RealtimeEvent, type RealtimeEventName } from '@qrca/contract';
import { useEffect, useRef, useState } from 'react';

export type RealtimeState = 'connecting' | 'connected' | 'reconnecting' | 'offline';

export type RealtimeHandlers = { [N in RealtimeEventName]?: (event: RealtimeEvent<N>) => void };

/** Tokens live an hour: start over well before. */
const RENEW_AFTER_MS = 50 * 60_000;
/** After a failed start (real time down), try again this often. */
const RETRY_START_MS = 15_000;

class ForeverRetry implements signalR.IRetryPolicy {
  nextRetryDelayInMilliseconds(context: signalR.RetryContext): number {
    const steps = [0, 1_000, 2_000, 5_000, 10_000];
    return steps[context.previousRetryCount] ?? 15_000;
  }
}

/**
 * Connects while mounted. `onSnapshot` runs after each (re)connect: fetch the state over HTTP once.
 * Handlers may change between renders without reconnecting.
 */
export function useRealtime(
  sessionId: string | undefined,
  view: NegotiateView,
  handlers: RealtimeHandlers,
  onSnapshot: () => void,
): RealtimeState {
  const [state, setState] = useState<RealtimeState>('connecting');
  const latest = useRef({ handlers, onSnapshot });
  latest.current = { handlers, onSnapshot };

  useEffect(() => {
    if (!sessionId) return;
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let connection: signalR.HubConnection | undefined;

    const open = async () => {
      const hub = new signalR.HubConnectionBuilder()
        .withUrl(`/api?sessionId=${encodeURIComponent(sessionId)}&view=${view}`)
        .withAutomaticReconnect(new ForeverRetry())
        .configureLogging(signalR.LogLevel.None)
        .build();
      for (const name of Object.keys(realtimeEvents) as RealtimeEventName[]) {
        hub.on(name, (payload: unknown) => {
          const parsed = realtimeEvents[name].safeParse(payload);
          const handler = latest.current.handlers[name] as ((event: unknown) => void) | undefined;
          if (parsed.success && parsed.data.sessionId === sessionId) handler?.(parsed.data);
        });
      }
      hub.onreconnecting(() => setState('reconnecting'));
      hub.onreconnected(() => {
        setState('connected');
        latest.current.onSnapshot();
      });
      let retired = false; // stopped on purpose (renewal, unmount): its close is not an outage
      hub.onclose(() => {
        if (!stopped && !retired) {
          setState('offline');
          timer = setTimeout(() => void open(), RETRY_START_MS);
        }
      });
      connection = hub;
      try {
        await hub.start();
        if (stopped) {
          await hub.stop();
          return;
        }
        setState('connected');
        latest.current.onSnapshot();
        // Negotiate afresh (a new token) before the current one ages.
        timer = setTimeout(() => {
          retired = true;
          void hub.stop().then(() => {
            if (!stopped) void open();
          });
        }, RENEW_AFTER_MS);
      } catch {
        if (stopped) return;
        setState('offline');
        timer = setTimeout(() => void open(), RETRY_START_MS);
      }
    };
    void open();
    return () => {
      stopped = true;
      clearTimeout(timer);
      void connection?.stop();
    };
  }, [sessionId, view]);

  return state;
}
