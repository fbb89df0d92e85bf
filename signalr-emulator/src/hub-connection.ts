/** One client WebSocket speaking the JSON hub protocol in listen-only (serverless) mode. */
import type { RawData, WebSocket } from 'ws';
import {
  closeFrame,
  completionErrorFrame,
  handshakeProblem,
  handshakeResponseFrame,
  HubProtocolError,
  parseClientMessage,
  parseHandshakeRequest,
  RecordReader,
} from './hub-protocol';
import type { ConnectionTicket } from './connection-tickets';
import type { SignalREmulatorLogger } from './logger';
import type { ClientConnection } from './state';

/** Limits and hooks shared by every connection of one emulator. */
export interface HubConnectionSettings {
  handshakeTimeoutMs: number;
  /** Close a connection that sent nothing (not even a ping) for this long. */
  clientTimeoutMs: number;
  maxRecordLength: number;
  /** Terminate a client that lets more than this many bytes queue up unsent (a stuck consumer). */
  maxBufferedBytes: number;
  now: () => number;
  logger: SignalREmulatorLogger;
  /** Called once the handshake succeeded: the connection can now receive messages. */
  onOpen(connection: HubConnection): void;
  /** Called once the socket has closed, whatever the reason. */
  onClose(connection: HubConnection): void;
}

const SERVERLESS_INVOCATION_ERROR =
  'Client invocations are not supported: the hub runs in serverless mode, where clients only listen.';

/** A client connection: handshake, then server-to-client messages; client invocations are refused. */
export class HubConnection implements ClientConnection {
  readonly id: string;
  readonly hub: string;
  readonly userId: string | undefined;
  private phase: 'handshake' | 'open' | 'closed' = 'handshake';
  private lastReceivedAt: number;
  private readonly reader: RecordReader;
  private readonly handshakeTimer: NodeJS.Timeout;
  /** Resolves when the socket has closed. */
  readonly closed: Promise<void>;

  constructor(
    private readonly socket: WebSocket,
    ticket: ConnectionTicket,
    private readonly settings: HubConnectionSettings,
  ) {
    this.id = ticket.connectionId;
    this.hub = ticket.hub;
    this.userId = ticket.userId;
    this.lastReceivedAt = settings.now();
    this.reader = new RecordReader(settings.maxRecordLength);
    this.closed = new Promise((resolve) => socket.once('close', () => resolve()));
    socket.on('message', (data, isBinary) => this.receive(data, isBinary));
    socket.on('error', (error) =>
      settings.logger.debug('signalr-emulator: socket error', this.details({ error: String(error) })),
    );
    socket.once('close', () => this.onSocketClosed());
    this.handshakeTimer = setTimeout(() => {
      this.fail('Handshake was canceled: no handshake request within the timeout.');
    }, settings.handshakeTimeoutMs);
    this.handshakeTimer.unref();
  }

  get isOpen(): boolean {
    return this.phase === 'open';
  }

  /** Queues a frame; a client that stopped reading is cut off rather than allowed to grow the queue forever. */
  send(frame: Buffer): void {
    if (this.phase !== 'open' || this.socket.readyState !== this.socket.OPEN) return;
    if (this.socket.bufferedAmount > this.settings.maxBufferedBytes) {
      this.settings.logger.warn('signalr-emulator: client is not reading; connection terminated', this.details());
      this.socket.terminate();
      return;
    }
    this.socket.send(frame, { binary: false });
  }

  /** Sends a close message (while open) and closes the socket. */
  close(options: { error?: string; allowReconnect?: boolean }): void {
    if (this.phase === 'open') this.sendText(closeFrame(options));
    this.shutdown();
  }

  /** Keep-alive duty: ping, and close the connection when the client has gone silent. */
  tick(pingFrame: Buffer): void {
    if (this.phase !== 'open') return;
    if (this.settings.now() - this.lastReceivedAt > this.settings.clientTimeoutMs) {
      this.fail('Server timeout elapsed without receiving a message from the client.');
      return;
    }
    this.send(pingFrame);
  }

  /** Closes at once, without a close handshake (emulator shutdown stragglers). */
  terminate(): void {
    this.socket.terminate();
  }

  private receive(data: RawData, isBinary: boolean): void {
    if (this.phase === 'closed') return;
    this.lastReceivedAt = this.settings.now();
    try {
      if (isBinary)
        throw new HubProtocolError('Binary frames are not supported: this emulator speaks only the JSON hub protocol.');
      for (const record of this.reader.push(toText(data))) {
        if (this.phase === 'handshake') this.handshake(record);
        else if (this.phase === 'open') this.handle(record);
      }
    } catch (error) {
      if (error instanceof HubProtocolError) {
        this.settings.logger.debug('signalr-emulator: protocol error', this.details({ error: error.message }));
        this.fail(error.message);
      } else {
        this.settings.logger.error(
          'signalr-emulator: failed to handle a client message',
          this.details({ error: String(error) }),
        );
        this.fail('The server failed to handle a message.');
      }
    }
  }

  private handshake(record: string): void {
    clearTimeout(this.handshakeTimer);
    const problem = handshakeProblem(parseHandshakeRequest(record));
    if (problem !== undefined) throw new HubProtocolError(problem);
    this.sendText(handshakeResponseFrame());
    this.phase = 'open';
    this.settings.onOpen(this);
  }

  private handle(record: string): void {
    const message = parseClientMessage(record);
    if (message.kind === 'invocation') {
      if (message.invocationId !== undefined) {
        this.sendText(completionErrorFrame(message.invocationId, SERVERLESS_INVOCATION_ERROR));
      } else {
        this.settings.logger.debug(
          'signalr-emulator: ignored a client send (serverless hub)',
          this.details({ target: message.target }),
        );
      }
    } else if (message.kind === 'close') {
      this.shutdown();
    }
  }

  /** Ends the connection with an error: a handshake error during the handshake, a close message after. */
  private fail(error: string): void {
    if (this.phase === 'handshake') this.sendText(handshakeResponseFrame(error));
    else if (this.phase === 'open') this.sendText(closeFrame({ error }));
    this.shutdown();
  }

  private shutdown(): void {
    if (this.phase === 'closed') return;
    const wasOpen = this.phase === 'open';
    this.phase = 'closed';
    clearTimeout(this.handshakeTimer);
    if (wasOpen) this.settings.onClose(this);
    if (this.socket.readyState === this.socket.OPEN) this.socket.close(1000);
  }

  private onSocketClosed(): void {
    const wasOpen = this.phase === 'open';
    this.phase = 'closed';
    clearTimeout(this.handshakeTimer);
    if (wasOpen) this.settings.onClose(this);
  }

  private sendText(frame: string): void {
    if (this.socket.readyState === this.socket.OPEN) this.socket.send(frame);
  }

  private details(extra: Record<string, unknown> = {}): Record<string, unknown> {
    return { connectionId: this.id, hub: this.hub, userId: this.userId, ...extra };
  }
}

function toText(data: RawData): string {
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data).toString('utf8');
}
