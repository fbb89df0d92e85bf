/** The client side of the service: `POST /client/negotiate` and the WebSocket at `/client/?hub=H&id=<token>`. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import type { WebSocket } from 'ws';
import { ConnectionTickets } from './connection-tickets';
import type { ConnectionTicket } from './connection-tickets';
import { HubConnection } from './hub-connection';
import type { HubConnectionSettings } from './hub-connection';
import { PING_FRAME } from './hub-protocol';
import { applyCors, refuseUpgrade, requestScheme, sendError, sendJson } from './http-util';
import type { SignalREmulatorLogger } from './logger';
import { nameProblem } from './names';
import type { HubState } from './state';
import {
  AccessTokenError,
  bearerToken,
  clientUserId,
  matchesClientAudience,
  requestOrigins,
  verifyAccessToken,
} from './tokens';

/** Settings of the client endpoint. */
export interface ClientEndpointSettings {
  accessKey: string;
  now: () => number;
  logger: SignalREmulatorLogger;
  state: HubState;
  connectionTokenTtlMs: number;
  handshakeTimeoutMs: number;
  clientTimeoutMs: number;
}

const MAX_CLIENT_MESSAGE_BYTES = 64 * 1024;
const MAX_BUFFERED_BYTES = 16 * 1024 * 1024;
const SHUTDOWN_GRACE_MS = 1_000;
const PING = Buffer.from(PING_FRAME);
const WWW_AUTHENTICATE = { 'WWW-Authenticate': 'Bearer error="invalid_token"' };

/** Negotiate, WebSocket upgrades and the live connections of one emulator. */
export class ClientEndpoint {
  private readonly tickets: ConnectionTickets;
  private readonly sockets = new WebSocketServer({
    noServer: true,
    clientTracking: false,
    perMessageDeflate: false,
    maxPayload: MAX_CLIENT_MESSAGE_BYTES,
  });
  private readonly connections = new Set<HubConnection>();
  private readonly connectionSettings: HubConnectionSettings;
  private stopping = false;

  constructor(private readonly settings: ClientEndpointSettings) {
    this.tickets = new ConnectionTickets(settings.connectionTokenTtlMs, settings.now);
    this.connectionSettings = {
      handshakeTimeoutMs: settings.handshakeTimeoutMs,
      clientTimeoutMs: settings.clientTimeoutMs,
      maxRecordLength: MAX_CLIENT_MESSAGE_BYTES,
      maxBufferedBytes: MAX_BUFFERED_BYTES,
      now: settings.now,
      logger: settings.logger,
      onOpen: (connection) => {
        settings.state.addConnection(connection);
        settings.logger.debug('signalr-emulator: client connected', {
          connectionId: connection.id,
          hub: connection.hub,
          userId: connection.userId,
        });
      },
      onClose: (connection) => {
        settings.state.removeConnection(connection);
        settings.logger.debug('signalr-emulator: client disconnected', {
          connectionId: connection.id,
          hub: connection.hub,
        });
      },
    };
  }

  /** Is this path served by the client endpoint? */
  static owns(pathname: string): boolean {
    return pathname === '/client' || pathname.startsWith('/client/');
  }

  /**
   * Answers an HTTP request under `/client` (CORS, negotiate, 404 for the rest).
   * @throws only on unexpected failures (the server answers those with 500); token problems are answered 401.
   */
  async handleRequest(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    if (applyCors(req, res)) return;
    const pathname = url.pathname.replace(/\/$/, '');
    if (pathname !== '/client/negotiate') {
      sendError(req, res, 404, 'Not found: only WebSockets are supported at /client (no long polling or SSE).');
      return;
    }
    if (req.method !== 'POST') {
      sendError(req, res, 405, 'Negotiate takes POST.', { Allow: 'POST, OPTIONS' });
      return;
    }
    req.resume(); // the negotiate body is empty by protocol; drain whatever came
    const hub = url.searchParams.get('hub') ?? '';
    const problem = nameProblem('hub', hub);
    if (problem !== undefined) {
      sendError(req, res, 400, problem);
      return;
    }
    let userId: string | undefined;
    try {
      userId = await this.authenticate(req, url, hub.toLowerCase());
    } catch (error) {
      if (!(error instanceof AccessTokenError)) throw error;
      this.settings.logger.warn('signalr-emulator: negotiate refused (401)', { hub, error: error.message });
      sendError(req, res, 401, error.message, WWW_AUTHENTICATE);
      return;
    }
    const negotiateVersion = Number(url.searchParams.get('negotiateVersion') ?? '0') >= 1 ? 1 : 0;
    const issued = this.stopping ? undefined : this.tickets.issue(hub.toLowerCase(), userId, negotiateVersion);
    if (issued === undefined) {
      sendError(req, res, 503, 'The emulator is not accepting connections right now.');
      return;
    }
    const availableTransports = [{ transport: 'WebSockets', transferFormats: ['Text'] }];
    sendJson(
      req,
      res,
      200,
      negotiateVersion === 1
        ? {
            negotiateVersion,
            connectionId: issued.connectionId,
            connectionToken: issued.connectionToken,
            availableTransports,
          }
        : { negotiateVersion, connectionId: issued.connectionId, availableTransports },
      { 'Cache-Control': 'no-store' },
    );
  }

  /**
   * Accepts or refuses a WebSocket upgrade to `/client/?hub=H&id=<token>`.
   * @throws only on unexpected failures (the server answers those with 500); token problems are answered 401.
   */
  async handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, url: URL): Promise<void> {
    if (this.stopping) {
      refuseUpgrade(socket, 503, 'The emulator is shutting down.');
      return;
    }
    if (url.pathname !== '/client' && url.pathname !== '/client/') {
      refuseUpgrade(socket, 404, 'Not found.');
      return;
    }
    const hub = (url.searchParams.get('hub') ?? '').toLowerCase();
    if (nameProblem('hub', hub) !== undefined) {
      refuseUpgrade(socket, 400, 'A valid hub query parameter is required.');
      return;
    }
    let ticket: ConnectionTicket | undefined;
    try {
      const userId = await this.authenticate(req, url, hub);
      ticket = this.tickets.redeem(url.searchParams.get('id') ?? '', (t) => t.hub === hub && t.userId === userId);
      if (ticket === undefined) {
        throw new AccessTokenError(
          'claims',
          'Unknown, used or expired connection token, or it belongs to another hub or user.',
        );
      }
    } catch (error) {
      if (!(error instanceof AccessTokenError)) throw error;
      this.settings.logger.warn('signalr-emulator: WebSocket refused (401)', { hub, error: error.message });
      refuseUpgrade(socket, 401, error.message, WWW_AUTHENTICATE);
      return;
    }
    if (this.stopping || socket.destroyed) {
      refuseUpgrade(socket, 503, 'The emulator is shutting down.');
      return;
    }
    const accepted = ticket;
    this.sockets.handleUpgrade(req, socket, head, (ws: WebSocket) => this.accept(ws, accepted));
  }

  /** Keep-alive round: pings every open connection, closes silent ones, forgets expired tokens. */
  tick(): void {
    this.tickets.sweep();
    for (const connection of this.connections) connection.tick(PING);
  }

  /**
   * Closes every connection: a close message with `allowReconnect: true` (clients with automatic reconnect come
   * back when the emulator does), then the socket; stragglers are terminated after a short grace.
   */
  async shutdown(): Promise<void> {
    this.stopping = true;
    this.tickets.clear();
    const all = [...this.connections];
    for (const connection of all) {
      if (connection.isOpen) connection.close({ error: 'The server is shutting down.', allowReconnect: true });
      else connection.terminate();
    }
    let grace: NodeJS.Timeout | undefined;
    const graceOver = new Promise<void>((resolve) => {
      grace = setTimeout(resolve, SHUTDOWN_GRACE_MS);
    });
    await Promise.race([Promise.all(all.map((c) => c.closed)), graceOver]);
    clearTimeout(grace);
    for (const connection of this.connections) connection.terminate();
    await Promise.all(all.map((c) => c.closed));
    await new Promise<void>((resolve) => this.sockets.close(() => resolve()));
  }

  private accept(ws: WebSocket, ticket: ConnectionTicket): void {
    const connection = new HubConnection(ws, ticket, this.connectionSettings);
    this.connections.add(connection);
    void connection.closed.then(() => this.connections.delete(connection));
  }

  /**
   * Checks the client access token (Authorization header, or `access_token` query as browsers send it): signature,
   * lifetime, and `aud` = this service's client URL for the hub. Returns the user id (nameid), if any.
   * @throws AccessTokenError when the token does not authorize this hub.
   */
  private async authenticate(req: IncomingMessage, url: URL, hub: string): Promise<string | undefined> {
    const token = bearerToken(req.headers.authorization) ?? url.searchParams.get('access_token') ?? undefined;
    const payload = await verifyAccessToken(token, this.settings.accessKey, this.settings.now());
    const origins = originsOf(req);
    if (!matchesClientAudience(payload.aud, { ...origins, hub })) {
      throw new AccessTokenError(
        'audience',
        `The token audience must be the client URL ${origins.origins[0] ?? ''}/client/?hub=${hub} (got ${JSON.stringify(payload.aud ?? null)}).`,
      );
    }
    return clientUserId(payload);
  }
}

function originsOf(req: IncomingMessage): ReturnType<typeof requestOrigins> {
  try {
    return requestOrigins(requestScheme(req), req.headers.host ?? '');
  } catch {
    throw new AccessTokenError(
      'audience',
      'The request has no usable Host header to check the token audience against.',
    );
  }
}
