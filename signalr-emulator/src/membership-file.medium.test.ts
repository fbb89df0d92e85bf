/** Membership persistence on a real file system: atomic writes, coalescing, reload, and refusal of bad files. */
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from './logger';
import { loadMemberships, MembershipFileError, MembershipFileWriter } from './membership-file';
import { startSignalREmulator } from './server';
import type { UserGroupMembership } from './state';
import { rest } from './test-support/test-clients';

describe('membership file', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'signalr-memberships-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads nothing from a missing file', async () => {
    expect(await loadMemberships(join(dir, 'absent.json'))).toEqual([]);
  });

  it('coalesces writes, leaves no temporary file and reads back the last state', async () => {
    const path = join(dir, 'nested', 'memberships.json');
    let state: UserGroupMembership[] = [];
    let snapshots = 0;
    const writer = new MembershipFileWriter(
      path,
      () => {
        snapshots += 1;
        return state;
      },
      silentLogger,
    );
    for (let i = 0; i < 50; i += 1) {
      state = [...state, { hub: 'chat', user: `u${i}`, group: 'g', expiresAt: null }];
      writer.schedule();
    }
    await writer.flush();

    expect(snapshots).toBeLessThanOrEqual(2);
    expect(await loadMemberships(path)).toHaveLength(50);
    expect(await readdir(join(dir, 'nested'))).toEqual(['memberships.json']);
  });

  it('logs and survives a write that fails', async () => {
    const errors: string[] = [];
    const blocked = join(dir, 'file-not-dir');
    await writeFile(blocked, 'x');
    const writer = new MembershipFileWriter(join(blocked, 'memberships.json'), () => [], {
      ...silentLogger,
      error: (message) => errors.push(message),
    });
    writer.schedule();
    await writer.flush();
    expect(errors).toHaveLength(1);
  });

  it('is written by the emulator on membership changes and restored at start', async () => {
    const dataFile = join(dir, 'memberships.json');
    const first = await startSignalREmulator({ dataFile });
    await rest(first, 'PUT', '/api/v1/hubs/chat/groups/g1/users/alice');
    await rest(first, 'PUT', '/api/v1/hubs/chat/groups/g2/users/alice?ttl=3600');
    await rest(first, 'PUT', '/api/v1/hubs/chat/groups/g3/users/bob');
    await rest(first, 'DELETE', '/api/v1/hubs/chat/groups/g3/users/bob');
    await first.close();

    const saved = JSON.parse(await readFile(dataFile, 'utf8')) as { memberships: UserGroupMembership[] };
    expect(saved.memberships.map((m) => `${m.user}@${m.group}`).sort()).toEqual(['alice@g1', 'alice@g2']);

    const second = await startSignalREmulator({ dataFile, accessKey: first.accessKey });
    try {
      expect((await rest(second, 'GET', '/api/v1/hubs/chat/groups/g1/users/alice')).status).toBe(200);
      expect((await rest(second, 'GET', '/api/v1/hubs/chat/groups/g3/users/bob')).status).toBe(404);
    } finally {
      await second.close();
    }
  });

  it('refuses to start on a file that is not a membership file', async () => {
    const dataFile = join(dir, 'corrupt.json');
    await writeFile(dataFile, '{"version":1,"memberships":[{"hub":1}]}');
    await expect(startSignalREmulator({ dataFile })).rejects.toThrow(MembershipFileError);
    await writeFile(dataFile, 'not json');
    await expect(startSignalREmulator({ dataFile })).rejects.toThrow(MembershipFileError);
  });
});
