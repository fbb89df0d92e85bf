/** The emulator with the official @microsoft/signalr Node client: messaging, groups, redirect, reconnect, scale. */
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as signalR from '@microsoft/signalr';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startSignalREmulator } from './server';
import type { SignalREmulator } from './server';
import { buildClient, connectClient, rest, stopAll, withTimeout } from './test-support/test-clients';
import type { TestClient } from './test-support/test-clients';
import { clientAccessToken } from './tokens';

const HUB = 'attendance';
const V = 'api-version=2022-06-01';

describe('emulator with the official client', () => {
  let emulator: SignalREmulator;
  const clients: TestClient[] = [];
  const connect = async (userId: string | undefined, targets: string[]) => {
    const client = await connectClient(emulator, { hub: HUB, userId, targets });
    clients.push(client);
    return client;
  };

  beforeAll(async () => {
    emulator = await startSignalREmulator();
  });
  afterEach(async () => {
    await stopAll(clients.splice(0));
  });
  afterAll(async () => {
    await emulator.close();
  });

  it('negotiates with a valid token and receives a broadcast', async () => {
    const alice = await connect('alice', ['notice']);
    const anonymous = await connect(undefined, ['notice']);
    expect(alice.connection.state).toBe(signalR.HubConnectionState.Connected);
    expect(emulator.stats()).toMatchObject({ connections: 2, users: 1 });

    const response = await rest(emulator, 'POST', `/api/v1/hubs/${HUB}`, {
      body: { target: 'notice', arguments: ['hello', { n: 1 }] },
    });

    expect(response.status).toBe(202);
    expect(await alice.inbox.next('notice')).toEqual(['hello', { n: 1 }]);
    expect(await anonymous.inbox.next('notice')).toEqual(['hello', { n: 1 }]);
  });

  it('sends to a user on every connection of theirs, and to nobody else', async () => {
    const phone = await connect('stu-1', ['toYou', 'marker']);
    const laptop = await connect('stu-1', ['toYou']);
    const other = await connect('stu-2', ['toYou', 'marker']);

    expect(
      (await rest(emulator, 'POST', `/api/v1/hubs/${HUB}/users/stu-1`, { body: { target: 'toYou', arguments: [1] } }))
        .status,
    ).toBe(202);
    expect(
      (
        await rest(emulator, 'POST', `/api/hubs/${HUB}/users/stu-2/:send?${V}`, {
          body: { target: 'marker', arguments: [] },
        })
      ).status,
    ).toBe(202);

    expect(await phone.inbox.next('toYou')).toEqual([1]);
    expect(await laptop.inbox.next('toYou')).toEqual([1]);
    await other.inbox.next('marker'); // sent after the user message: had stu-2 got it, it would have arrived first
    expect(other.inbox.targets()).toEqual(['marker']);
  });

  it('sends a group message to users added by REST, and nothing to a user outside the group', async () => {
    const member = await connect('member', ['session', 'marker']);
    const outsider = await connect('outsider', ['session', 'marker']);

    expect((await rest(emulator, 'PUT', `/api/v1/hubs/${HUB}/groups/session-1/users/member`)).status).toBe(202);
    expect((await rest(emulator, 'HEAD', `/api/v1/hubs/${HUB}/groups/session-1/users/member`)).status).toBe(200);
    expect((await rest(emulator, 'HEAD', `/api/v1/hubs/${HUB}/groups/session-1/users/outsider`)).status).toBe(404);
    expect((await rest(emulator, 'GET', `/api/v1/hubs/${HUB}/groups/session-1`)).status).toBe(200);

    expect(
      (
        await rest(emulator, 'POST', `/api/v1/hubs/${HUB}/groups/session-1`, {
          body: { target: 'session', arguments: ['v1'] },
        })
      ).status,
    ).toBe(202);
    expect(
      (
        await rest(emulator, 'POST', `/api/hubs/${HUB}/groups/session-1/:send?${V}`, {
          body: { target: 'session', arguments: ['2022'] },
        })
      ).status,
    ).toBe(202);
    expect(
      (
        await rest(emulator, 'POST', `/api/v1/hubs/${HUB}/users/outsider`, {
          body: { target: 'marker', arguments: [] },
        })
      ).status,
    ).toBe(202);

    expect(await member.inbox.next('session')).toEqual(['v1']);
    expect(await member.inbox.next('session')).toEqual(['2022']);
    await outsider.inbox.next('marker');
    expect(outsider.inbox.targets()).toEqual(['marker']);

    expect((await rest(emulator, 'DELETE', `/api/hubs/${HUB}/users/member/groups/session-1?${V}`)).status).toBe(204);
    expect((await rest(emulator, 'HEAD', `/api/hubs/${HUB}/groups/session-1?${V}`)).status).toBe(404);
  });

  it('adds and removes connections to groups, and excludes connections from a send', async () => {
    const first = await connect('x', ['room']);
    const second = await connect('y', ['room']);
    const firstId = first.connection.connectionId ?? '';
    const secondId = second.connection.connectionId ?? '';

    expect((await rest(emulator, 'PUT', `/api/v1/hubs/${HUB}/groups/room/connections/${firstId}`)).status).toBe(200);
    expect((await rest(emulator, 'PUT', `/api/hubs/${HUB}/groups/room/connections/${secondId}?${V}`)).status).toBe(200);
    expect((await rest(emulator, 'PUT', `/api/v1/hubs/${HUB}/groups/room/connections/nope`)).status).toBe(404);
    await rest(emulator, 'POST', `/api/v1/hubs/${HUB}/groups/room?excluded=${secondId}`, {
      body: { target: 'room', arguments: [1] },
    });
    await rest(emulator, 'POST', `/api/v1/hubs/${HUB}/groups/room`, { body: { target: 'room', arguments: [2] } });

    expect(await first.inbox.next('room')).toEqual([1]);
    expect(await first.inbox.next('room')).toEqual([2]);
    expect(await second.inbox.next('room')).toEqual([2]);

    expect((await rest(emulator, 'DELETE', `/api/v1/hubs/${HUB}/groups/room/connections/${firstId}`)).status).toBe(200);
    expect((await rest(emulator, 'DELETE', `/api/hubs/${HUB}/connections/${secondId}/groups?${V}`)).status).toBe(200);
    expect((await rest(emulator, 'GET', `/api/v1/hubs/${HUB}/groups/room`)).status).toBe(404);
  });

  it('answers existence checks and closes a connection on request', async () => {
    const client = await connect('checked', []);
    const id = client.connection.connectionId ?? '';
    const closed = new Promise<Error | undefined>((resolve) => client.connection.onclose(resolve));

    expect((await rest(emulator, 'GET', `/api/v1/hubs/${HUB}/users/checked`)).status).toBe(200);
    expect((await rest(emulator, 'HEAD', `/api/hubs/${HUB}/users/nobody?${V}`)).status).toBe(404);
    expect((await rest(emulator, 'HEAD', `/api/v1/hubs/${HUB}/connections/${id}`)).status).toBe(200);
    expect((await rest(emulator, 'HEAD', `/api/v1/hubs/other/connections/${id}`)).status).toBe(404);
    expect((await rest(emulator, 'DELETE', `/api/v1/hubs/${HUB}/connections/${id}?reason=bye`)).status).toBe(202);

    expect(String(await withTimeout(closed, 5_000, 'the client to be closed'))).toMatch(/bye/);
    expect((await rest(emulator, 'HEAD', `/api/v1/hubs/${HUB}/connections/${id}`)).status).toBe(404);
  });

  it('refuses client invocations with a completion error and stays connected (listen-only)', async () => {
    const client = await connect('talker', ['notice']);

    await expect(client.connection.invoke('SubmitScan', 1)).rejects.toThrow(/serverless/);
    await client.connection.send('FireAndForget', 2);

    expect(client.connection.state).toBe(signalR.HubConnectionState.Connected);
    await rest(emulator, 'POST', `/api/v1/hubs/${HUB}/users/talker`, { body: { target: 'notice', arguments: [] } });
    expect(await client.inbox.next('notice')).toEqual([]);
  });

  it('follows the negotiate redirect an app returns (the Functions signalRConnectionInfo flow)', async () => {
    // The app's negotiate function: what the signalRConnectionInfo binding returns.
    const app = createServer((req, res) => {
      void clientAccessToken({ ...emulator, hub: HUB, userId: 'redirected' }).then((info) => {
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(info));
      });
    });
    await new Promise<void>((resolve) => app.listen(0, '127.0.0.1', resolve));
    try {
      const connection = new signalR.HubConnectionBuilder()
        .withUrl(`http://127.0.0.1:${(app.address() as AddressInfo).port}/api`)
        .configureLogging(signalR.LogLevel.None)
        .build();
      const received = new Promise<unknown[]>((resolve) => connection.on('hi', (...args: unknown[]) => resolve(args)));
      await withTimeout(connection.start(), 10_000, 'the redirected client to connect');
      try {
        await rest(emulator, 'POST', `/api/v1/hubs/${HUB}/users/redirected`, {
          body: { target: 'hi', arguments: ['there'] },
        });
        expect(await withTimeout(received, 5_000, 'the user message')).toEqual(['there']);
      } finally {
        await connection.stop();
      }
    } finally {
      await new Promise((resolve) => app.close(resolve));
    }
  });

  it('delivers one group message to 200 concurrent clients', async () => {
    const many = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        connectClient(emulator, { hub: HUB, userId: `crowd-${i}`, targets: ['crowd'] }),
      ),
    );
    clients.push(...many);
    await Promise.all(
      many.map((_, i) => rest(emulator, 'PUT', `/api/hubs/${HUB}/users/crowd-${i}/groups/lecture?${V}`)),
    );

    expect(
      (
        await rest(emulator, 'POST', `/api/v1/hubs/${HUB}/groups/lecture`, {
          body: { target: 'crowd', arguments: ['all'] },
        })
      ).status,
    ).toBe(202);

    const got = await Promise.all(many.map((client) => client.inbox.next('crowd', 15_000)));
    expect(got).toHaveLength(200);
    expect(got.every((args) => args[0] === 'all')).toBe(true);
  });
});

describe('emulator restart', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'signalr-emulator-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('clients reconnect after a restart on the same port and still get group messages without being re-added', async () => {
    const dataFile = join(dir, 'memberships.json');
    const first = await startSignalREmulator({ dataFile });
    let second: SignalREmulator | undefined;
    const client = buildClient(first, { hub: HUB, userId: 'stu-9', targets: ['session'], reconnect: true });
    try {
      await withTimeout(client.connection.start(), 10_000, 'the client to connect');
      expect((await rest(first, 'PUT', `/api/hubs/${HUB}/users/stu-9/groups/session-7?${V}`)).status).toBe(200);
      await rest(first, 'POST', `/api/v1/hubs/${HUB}/groups/session-7`, {
        body: { target: 'session', arguments: ['before'] },
      });
      expect(await client.inbox.next('session')).toEqual(['before']);
      const idBefore = client.connection.connectionId;

      const reconnecting = new Promise<void>((resolve) => client.connection.onreconnecting(() => resolve()));
      const reconnected = new Promise<void>((resolve) => client.connection.onreconnected(() => resolve()));
      await first.close();
      await withTimeout(reconnecting, 5_000, 'the client to start reconnecting');
      second = await startSignalREmulator({ port: first.port, accessKey: first.accessKey, dataFile });
      await withTimeout(reconnected, 15_000, 'the client to reconnect');

      expect(client.connection.connectionId).not.toBe(idBefore);
      await rest(second, 'POST', `/api/v1/hubs/${HUB}/groups/session-7`, {
        body: { target: 'session', arguments: ['after'] },
      });
      expect(await client.inbox.next('session')).toEqual(['after']);
      expect(second.stats()).toEqual({ connections: 1, users: 1, groups: 1 });
    } finally {
      await client.connection.stop();
      await first.close();
      await second?.close();
    }
  });

  it('close() is idempotent and the port can be reused at once', async () => {
    const emulator = await startSignalREmulator();
    await Promise.all([emulator.close(), emulator.close()]);
    await emulator.close();
    const again = await startSignalREmulator({ port: emulator.port });
    await again.close();
    expect(again.port).toBe(emulator.port);
  });
});
