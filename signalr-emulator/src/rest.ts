/** The server side of the service: the data-plane REST API under `/api`, authenticated by HS256 bearer tokens. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { invocationFrame } from './hub-protocol';
import { BodyTooLargeError, readBody, requestScheme, sendError, sendJson } from './http-util';
import type { SignalREmulatorLogger } from './logger';
import { matchRestRoute } from './rest-routes';
import type { ApiFamily, Audience, RestOperation } from './rest-routes';
import type { ClientConnection, HubState } from './state';
import { AccessTokenError, bearerToken, matchesRestAudience, requestOrigins, verifyAccessToken } from './tokens';

/** Settings of the REST endpoint. */
export interface RestSettings {
  accessKey: string;
  now: () => number;
  logger: SignalREmulatorLogger;
  state: HubState;
  /** Largest accepted body (the service allows 1 MB). */
  maxBodyBytes: number;
}

/** A message to invoke on clients: `{target, arguments}`. */
export interface PayloadMessage {
  target: string;
  arguments: unknown[];
}

/** A body that is not a valid payload message; answered with 400. */
export class PayloadError extends Error {
  override readonly name = 'PayloadError';
}

const WWW_AUTHENTICATE = { 'WWW-Authenticate': 'Bearer error="invalid_token"' };

/**
 * Answers a request under `/api`: 404/405 for unknown routes, 401 for a missing or wrong token, 400 for bad names,
 * queries or bodies, 413/415 for oversized or non-JSON bodies, then the operation's status.
 * @throws only on unexpected failures (the server answers those with 500).
 */
export async function handleRestRequest(
  settings: RestSettings,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
): Promise<void> {
  const match = matchRestRoute(req.method ?? 'GET', url.pathname, url.searchParams);
  if (match.kind === 'notFound') {
    req.resume();
    sendError(req, res, 404, 'Not found.');
    return;
  }
  if (match.kind === 'methodNotAllowed') {
    req.resume();
    sendError(req, res, 405, 'Method not allowed.', { Allow: match.allow.join(', ') });
    return;
  }
  if (!match.anonymous) {
    try {
      await authenticate(settings, req, url);
    } catch (error) {
      if (!(error instanceof AccessTokenError)) throw error;
      req.resume();
      settings.logger.warn('signalr-emulator: REST call refused (401)', { path: url.pathname, error: error.message });
      sendError(req, res, 401, error.message, WWW_AUTHENTICATE);
      return;
    }
  }
  if (match.kind === 'invalid') {
    req.resume();
    sendError(req, res, 400, match.message);
    return;
  }

  const { operation, api } = match;
  const hub = match.hub ?? '';
  let payload: PayloadMessage | undefined;
  if (operation.op === 'send') {
    const contentType = req.headers['content-type'] ?? '';
    if (!/^application\/json\s*(;|$)/i.test(contentType)) {
      req.resume();
      sendError(req, res, 415, 'The body must be JSON (Content-Type: application/json).');
      return;
    }
    try {
      payload = parsePayloadMessage(await readBody(req, settings.maxBodyBytes));
    } catch (error) {
      if (error instanceof BodyTooLargeError) {
        sendError(req, res, 413, error.message, { Connection: 'close' });
        req.once('end', () => req.socket.destroy()).resume();
        return;
      }
      if (error instanceof PayloadError) {
        sendError(req, res, 400, error.message);
        return;
      }
      throw error;
    }
  } else {
    req.resume();
  }
  const status = execute(settings.state, api, hub, operation, payload);
  sendJson(req, res, status);
}

/**
 * Parses `{target, arguments}` (keys matched case-insensitively, as the service's JSON binding does; `arguments`
 * may be omitted, as the 2022-06-01 schema allows).
 * @throws PayloadError when the body is not JSON, not an object, has no non-empty string target, or arguments is
 *   not an array.
 */
export function parsePayloadMessage(body: Buffer): PayloadMessage {
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8'));
  } catch {
    throw new PayloadError('The body is not valid JSON.');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new PayloadError('The body must be a JSON object {"target": string, "arguments": [...]}.');
  }
  const fields = new Map(Object.entries(value).map(([key, field]) => [key.toLowerCase(), field as unknown]));
  const target = fields.get('target');
  const args = fields.get('arguments') ?? [];
  if (typeof target !== 'string' || target.trim() === '') {
    throw new PayloadError('"target" must be a non-empty string.');
  }
  if (!Array.isArray(args)) throw new PayloadError('"arguments" must be an array.');
  return { target, arguments: args };
}

async function authenticate(settings: RestSettings, req: IncomingMessage, url: URL): Promise<void> {
  const payload = await verifyAccessToken(bearerToken(req.headers.authorization), settings.accessKey, settings.now());
  let origins: ReturnType<typeof requestOrigins>;
  try {
    origins = requestOrigins(requestScheme(req), req.headers.host ?? '');
  } catch {
    throw new AccessTokenError(
      'audience',
      'The request has no usable Host header to check the token audience against.',
    );
  }
  if (!matchesRestAudience(payload.aud, { ...origins, pathname: url.pathname })) {
    throw new AccessTokenError(
      'audience',
      `The token audience must be the request URL without query string: ${origins.origins[0] ?? ''}${url.pathname} (got ${JSON.stringify(payload.aud ?? null)}).`,
    );
  }
}

/** Runs an operation against the state and returns the HTTP status the service answers with. */
function execute(
  state: HubState,
  api: ApiFamily,
  hub: string,
  operation: RestOperation,
  payload: PayloadMessage | undefined,
): number {
  const v1 = api === 'v1';
  const found = (ok: boolean) => (ok ? 200 : 404);
  switch (operation.op) {
    case 'health':
      return 200;
    case 'send': {
      if (payload === undefined) return 400;
      // Serialized once; every recipient gets the same bytes.
      const frame = Buffer.from(invocationFrame(payload.target, payload.arguments));
      const excluded = new Set(operation.excluded);
      for (const connection of recipients(state, hub, operation.audience)) {
        if (!excluded.has(connection.id)) connection.send(frame);
      }
      return 202;
    }
    case 'closeConnections': {
      const excluded = new Set(operation.excluded);
      for (const connection of [...recipients(state, hub, operation.audience)]) {
        if (!excluded.has(connection.id)) connection.close(closeOptions(operation.reason));
      }
      return 204;
    }
    case 'connectionExists':
      return found(state.connection(hub, operation.connectionId) !== undefined);
    case 'closeConnection':
      state.connection(hub, operation.connectionId)?.close(closeOptions(operation.reason));
      return v1 ? 202 : 200;
    case 'groupExists':
      return found(state.groupHasConnections(hub, operation.group));
    case 'userExists':
      return found(state.userHasConnections(hub, operation.user));
    case 'addConnectionToGroup':
      return found(state.addConnectionToGroup(hub, operation.group, operation.connectionId));
    case 'removeConnectionFromGroup':
      return found(state.removeConnectionFromGroup(hub, operation.group, operation.connectionId));
    case 'removeConnectionFromAllGroups':
      return found(state.removeConnectionFromAllGroups(hub, operation.connectionId));
    case 'userInGroup':
      return found(state.isUserInGroup(hub, operation.user, operation.group));
    case 'addUserToGroup':
      state.addUserToGroup(hub, operation.user, operation.group, operation.ttlSeconds);
      return v1 ? 202 : 200;
    case 'removeUserFromGroup':
      state.removeUserFromGroup(hub, operation.user, operation.group);
      return v1 ? 202 : 204;
    case 'removeUserFromAllGroups':
      state.removeUserFromAllGroups(hub, operation.user);
      return v1 ? 200 : 204;
  }
}

function recipients(state: HubState, hub: string, audience: Audience): Iterable<ClientConnection> {
  switch (audience.to) {
    case 'hub':
      return state.hubConnections(hub);
    case 'user':
      return state.userConnections(hub, audience.user);
    case 'group':
      return state.groupConnections(hub, audience.group);
    case 'connection': {
      const connection = state.connection(hub, audience.connectionId);
      return connection === undefined ? [] : [connection];
    }
  }
}

function closeOptions(reason: string | undefined): { error?: string } {
  return reason === undefined ? {} : { error: reason };
}
