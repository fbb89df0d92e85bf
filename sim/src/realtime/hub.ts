/**
 * Real time as a phone or the dashboard has it: the official `@microsoft/signalr` client, negotiating through
 * `POST /api/negotiate` (which redirects it to Azure SignalR Service or the emulator), with automatic reconnect.
 * Every event is checked against its contract schema before a handler sees it.
 */
import * as signalR from '@microsoft/signalr';
import { realtimeEvents, type NegotiateView, type RealtimeEvent, type RealtimeEventName } from '@qrca/contract';
import type { z } from 'zod';

export type Handlers = { readonly [N in RealtimeEventName]?: (event: RealtimeEvent<N>) => void };

export interface HubOptions {
  /** Origin of the API instance to negotiate with. */
  readonly origin: string;
  readonly sessionId: string;
  readonly view: NegotiateView;
  readonly token: string;
  readonly handlers: Handlers;
  /** An event that broke its schema (counted by the caller; never handled). */
  readonly onInvalid?: (name: RealtimeEventName) => void;
  /** The connection came back after a drop (fetch a snapshot then), or went down for good. */
  readonly onReconnected?: () => void;
  readonly onClosed?: () => void;
}

export interface Hub {
  stop(): Promise<void>;
  readonly connected: () => boolean;
}

/** Connects and starts. @throws what the client throws when negotiate or the connection fails. */
export async function connectHub(options: HubOptions): Promise<Hub> {
  const { origin, sessionId, view, token, handlers } = options;
  const connection = new signalR.HubConnectionBuilder()
    .withUrl(`${origin}/api?sessionId=${encodeURIComponent(sessionId)}&view=${view}`, {
      accessTokenFactory: () => token,
    })
    .withAutomaticReconnect()
    .configureLogging(signalR.LogLevel.None)
    .build();
  for (const name of Object.keys(handlers) as RealtimeEventName[]) {
    const handler = handlers[name] as ((event: unknown) => void) | undefined;
    const schema: z.ZodType = realtimeEvents[name];
    connection.on(name, (argument: unknown) => {
      const parsed = schema.safeParse(argument);
      if (parsed.success) handler?.(parsed.data);
      else options.onInvalid?.(name);
    });
  }
  connection.onreconnected(() => options.onReconnected?.());
  connection.onclose(() => options.onClosed?.());
  await connection.start();
  return {
    connected: () => connection.state === signalR.HubConnectionState.Connected,
    async stop() {
      await connection.stop().catch(() => undefined);
    },
  };
}
