/** The SignalR JSON hub protocol, version 1: record framing, handshake, and the messages this emulator exchanges. */

/** Ends every JSON hub protocol record (ASCII RS). */
export const RECORD_SEPARATOR = '\x1e';
/** The only hub protocol this emulator speaks. */
export const JSON_PROTOCOL = 'json';
/** The JSON protocol version clients negotiate. */
export const JSON_PROTOCOL_VERSION = 1;

/** Hub message types (HubProtocol spec). */
export const MessageType = {
  Invocation: 1,
  StreamItem: 2,
  Completion: 3,
  StreamInvocation: 4,
  CancelInvocation: 5,
  Ping: 6,
  Close: 7,
  Ack: 8,
  Sequence: 9,
} as const;

/** A frame or handshake that breaks the protocol; the connection is closed with an error. */
export class HubProtocolError extends Error {
  override readonly name = 'HubProtocolError';
}

/** The handshake a client sends first: `{"protocol":"json","version":1}`. */
export interface HandshakeRequest {
  protocol: string;
  version: number;
}

/** A client message, reduced to what a listen-only (serverless) hub acts on. */
export type ClientMessage =
  | { kind: 'invocation'; invocationId: string | undefined; target: string }
  | { kind: 'ping' }
  | { kind: 'close' }
  | { kind: 'ignored'; type: number };

/** A pre-serialized server message, ready to be sent to any number of connections. */
export type Frame = string;

/** Splits a text stream into records; keeps an unfinished record for the next chunk. */
export class RecordReader {
  private pending = '';

  /** @param maxRecordLength longest record (in UTF-16 units) accepted before the separator. */
  constructor(private readonly maxRecordLength: number) {}

  /**
   * Appends a chunk and returns the complete records it finishes, separators removed.
   * @throws HubProtocolError when an unfinished record grows past maxRecordLength.
   */
  push(chunk: string): string[] {
    const records = (this.pending + chunk).split(RECORD_SEPARATOR);
    this.pending = records.pop() ?? '';
    if (this.pending.length > this.maxRecordLength || records.some((r) => r.length > this.maxRecordLength)) {
      throw new HubProtocolError(`A hub message is longer than ${this.maxRecordLength} characters.`);
    }
    return records;
  }
}

/**
 * Parses the handshake request record.
 * @throws HubProtocolError when it is not a JSON object with a string `protocol` and a numeric `version`.
 */
export function parseHandshakeRequest(record: string): HandshakeRequest {
  const value = parseJsonObject(record, 'handshake request');
  const { protocol, version } = value;
  if (typeof protocol !== 'string' || typeof version !== 'number') {
    throw new HubProtocolError('The handshake request must have a string "protocol" and a numeric "version".');
  }
  return { protocol, version };
}

/** The error to answer a handshake with, or undefined when this emulator accepts it. */
export function handshakeProblem(request: HandshakeRequest): string | undefined {
  if (request.protocol !== JSON_PROTOCOL) {
    return `The protocol '${request.protocol}' is not supported: this emulator speaks only the JSON hub protocol.`;
  }
  if (request.version !== JSON_PROTOCOL_VERSION) {
    return `The server does not support version ${request.version} of the '${JSON_PROTOCOL}' protocol.`;
  }
  return undefined;
}

/** `{}` (accepted) or `{"error":"..."}` (refused), framed. */
export function handshakeResponseFrame(error?: string): Frame {
  return (error === undefined ? '{}' : JSON.stringify({ error })) + RECORD_SEPARATOR;
}

/** A non-blocking invocation of a client method (no invocationId: the server expects no answer). */
export function invocationFrame(target: string, args: readonly unknown[]): Frame {
  return JSON.stringify({ type: MessageType.Invocation, target, arguments: args }) + RECORD_SEPARATOR;
}

/** The keep-alive ping. */
export const PING_FRAME: Frame = JSON.stringify({ type: MessageType.Ping }) + RECORD_SEPARATOR;

/** A close message; `allowReconnect: true` lets clients with automatic reconnect come back. */
export function closeFrame(options: { error?: string; allowReconnect?: boolean } = {}): Frame {
  const message: { type: number; error?: string; allowReconnect?: boolean } = { type: MessageType.Close };
  if (options.error !== undefined) message.error = options.error;
  if (options.allowReconnect === true) message.allowReconnect = true;
  return JSON.stringify(message) + RECORD_SEPARATOR;
}

/** The completion that fails a client's invocation. */
export function completionErrorFrame(invocationId: string, error: string): Frame {
  return JSON.stringify({ type: MessageType.Completion, invocationId, error }) + RECORD_SEPARATOR;
}

/**
 * Parses a record received after the handshake. Unknown message types are ignored, as the spec asks, so future
 * clients keep working.
 * @throws HubProtocolError when the record is not a JSON object with a numeric `type`, or an invocation lacks a
 *   string `target` or has a non-string `invocationId`.
 */
export function parseClientMessage(record: string): ClientMessage {
  const value = parseJsonObject(record, 'hub message');
  const { type } = value;
  if (typeof type !== 'number' || !Number.isInteger(type)) {
    throw new HubProtocolError('A hub message must have an integer "type".');
  }
  switch (type) {
    case MessageType.Invocation:
    case MessageType.StreamInvocation: {
      const { target, invocationId } = value;
      if (typeof target !== 'string') throw new HubProtocolError('An invocation must have a string "target".');
      if (invocationId !== undefined && invocationId !== null && typeof invocationId !== 'string') {
        throw new HubProtocolError('An invocationId must be a string.');
      }
      return { kind: 'invocation', invocationId: invocationId ?? undefined, target };
    }
    case MessageType.Ping:
      return { kind: 'ping' };
    case MessageType.Close:
      return { kind: 'close' };
    default:
      return { kind: 'ignored', type };
  }
}

function parseJsonObject(record: string, what: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(record);
  } catch {
    throw new HubProtocolError(`The ${what} is not valid JSON.`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new HubProtocolError(`The ${what} must be a JSON object.`);
  }
  return value as Record<string, unknown>;
}
