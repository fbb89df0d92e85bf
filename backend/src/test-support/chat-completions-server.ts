/**
 * A local HTTP server that speaks Azure OpenAI's chat-completions API (`POST /openai/deployments/{deployment}/
 * chat/completions?api-version=…`), for tests of the summary over a real HTTP exchange: it keeps every request it
 * got (path, headers, parsed body) and answers what the test scripts — a completion, an error status, or nothing.
 */
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface ChatRequest {
  readonly path: string;
  /** The deployment named in the path. */
  readonly deployment: string;
  readonly apiVersion: string | null;
  readonly headers: IncomingHttpHeaders;
  readonly body: { messages?: { role: string; content: string }[]; [key: string]: unknown };
}

/** What the server does with one request: answer with `content`, fail with `status`, or never answer. */
export type ChatReply =
  | { readonly content: string }
  | { readonly status: number; readonly headers?: Record<string, string> }
  | { readonly hang: true };

export interface ChatServerOptions {
  /** The first reply when nothing is scripted (see {@link ChatServer.replies}). */
  readonly fallback?: ChatReply;
  /** Decides each answer instead of the script (it sees every request so far, this one last). */
  readonly route?: (request: ChatRequest, requests: readonly ChatRequest[]) => ChatReply;
  /** The credentials accepted (`api-key` header, or `Authorization: Bearer …`); any request passes without. */
  readonly apiKey?: string;
  readonly bearerToken?: string;
}

export interface ChatServer {
  /** The endpoint to configure (`AZURE_OPENAI_ENDPOINT`), with a trailing slash. */
  readonly endpoint: string;
  readonly requests: ChatRequest[];
  /** Replies for the next requests, in order; when none is left, `fallback`. */
  readonly replies: ChatReply[];
  fallback: ChatReply;
  close(): Promise<void>;
}

const PATH = /^\/openai\/deployments\/([^/]+)\/chat\/completions$/;

function answer(response: ServerResponse, reply: ChatReply, model: string): void {
  if ('hang' in reply) return;
  if ('status' in reply) {
    response.writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers });
    response.end(JSON.stringify({ error: { code: String(reply.status), message: 'scripted failure' } }));
    return;
  }
  response.writeHead(200, { 'content-type': 'application/json' });
  response.end(
    JSON.stringify({
      id: 'chatcmpl-test',
      object: 'chat.completion',
      created: Math.floor(Date.now() / 1000),
      model,
      choices: [{ index: 0, message: { role: 'assistant', content: reply.content }, finish_reason: 'stop' }],
      usage: { prompt_tokens: 100, completion_tokens: 40, total_tokens: 140 },
    }),
  );
}

const UNAUTHORIZED: ChatReply = { status: 401 };

/** Starts the server on 127.0.0.1 (a free port). */
export async function startChatServer(options: ChatServerOptions = {}): Promise<ChatServer> {
  const requests: ChatRequest[] = [];
  const replies: ChatReply[] = [];
  const sockets = new Set<Socket>();
  const state = { fallback: options.fallback ?? { content: 'A calm, quick class.' } };
  const authorized = (headers: IncomingHttpHeaders) =>
    (options.apiKey === undefined && options.bearerToken === undefined) ||
    (options.apiKey !== undefined && headers['api-key'] === options.apiKey) ||
    (options.bearerToken !== undefined && headers.authorization === `Bearer ${options.bearerToken}`);
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const url = new URL(request.url ?? '/', 'http://localhost');
      const deployment = PATH.exec(url.pathname)?.[1];
      if (request.method !== 'POST' || deployment === undefined) {
        response.writeHead(404, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ error: { code: 'NotFound', message: 'not a chat-completions call' } }));
        return;
      }
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as ChatRequest['body'];
      const received: ChatRequest = {
        path: url.pathname,
        deployment: decodeURIComponent(deployment),
        apiVersion: url.searchParams.get('api-version'),
        headers: request.headers,
        body,
      };
      requests.push(received);
      const reply = !authorized(request.headers)
        ? UNAUTHORIZED
        : (options.route?.(received, requests) ?? replies.shift() ?? state.fallback);
      answer(response, reply, String(body['model'] ?? 'gpt-4o-mini'));
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}/`,
    requests,
    replies,
    get fallback() {
      return state.fallback;
    },
    set fallback(reply: ChatReply) {
      state.fallback = reply;
    },
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
