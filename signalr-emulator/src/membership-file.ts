/**
 * Persists user-group memberships to one JSON file (`{"version":1,"memberships":[{hub,user,group,expiresAt}]}`),
 * written atomically (temporary file, fsync, rename) and coalesced: at most one write in flight, one queued.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { SignalREmulatorLogger } from './logger';
import type { UserGroupMembership } from './state';

const FORMAT_VERSION = 1;

/** The data file exists but cannot be used. */
export class MembershipFileError extends Error {
  override readonly name = 'MembershipFileError';
}

/**
 * Reads the memberships saved in `path`; an absent file means none.
 * @throws MembershipFileError when the file cannot be read or is not a valid membership file.
 */
export async function loadMemberships(path: string): Promise<UserGroupMembership[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if (isErrno(error, 'ENOENT')) return [];
    throw new MembershipFileError(`Cannot read the SignalR emulator data file ${path}: ${String(error)}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new MembershipFileError(`The SignalR emulator data file ${path} is not valid JSON.`);
  }
  return parseMembershipFile(parsed, path);
}

/**
 * Validates the content of a membership file.
 * @throws MembershipFileError when the shape or the version is wrong.
 */
export function parseMembershipFile(value: unknown, path = 'data file'): UserGroupMembership[] {
  const invalid = (why: string) => new MembershipFileError(`The SignalR emulator ${path} is invalid: ${why}.`);
  if (!isRecord(value) || value.version !== FORMAT_VERSION || !Array.isArray(value.memberships)) {
    throw invalid(`expected {"version":${FORMAT_VERSION},"memberships":[...]}`);
  }
  return value.memberships.map((entry: unknown, i) => {
    if (
      !isRecord(entry) ||
      typeof entry.hub !== 'string' ||
      typeof entry.user !== 'string' ||
      typeof entry.group !== 'string' ||
      !(entry.expiresAt === null || (typeof entry.expiresAt === 'number' && Number.isFinite(entry.expiresAt)))
    ) {
      throw invalid(`membership #${i} must be {hub, user, group: string, expiresAt: number | null}`);
    }
    return { hub: entry.hub, user: entry.user, group: entry.group, expiresAt: entry.expiresAt };
  });
}

/** Writes snapshots to the file; never throws (failures are logged, the next change retries). */
export class MembershipFileWriter {
  private dirty = false;
  private running: Promise<void> | undefined;

  constructor(
    private readonly path: string,
    private readonly snapshot: () => UserGroupMembership[],
    private readonly logger: SignalREmulatorLogger,
  ) {}

  /** Asks for a write of the current state; returns at once. */
  schedule(): void {
    this.dirty = true;
    this.running ??= this.drain().finally(() => {
      this.running = undefined;
      // A change that landed after the last loop check but before this callback still needs its write.
      if (this.dirty) this.schedule();
    });
  }

  /** Resolves when every scheduled write has finished. */
  async flush(): Promise<void> {
    while (this.running !== undefined) await this.running;
  }

  private async drain(): Promise<void> {
    while (this.dirty) {
      this.dirty = false;
      try {
        await writeAtomically(
          this.path,
          `${JSON.stringify({ version: FORMAT_VERSION, memberships: this.snapshot() })}\n`,
        );
      } catch (error) {
        this.logger.error('signalr-emulator: could not save group memberships', {
          path: this.path,
          error: String(error),
        });
      }
    }
  }
}

async function writeAtomically(path: string, content: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const temporary = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    const handle = await open(temporary, 'w');
    try {
      await handle.writeFile(content, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isErrno(error: unknown, code: string): boolean {
  return isRecord(error) && error.code === code;
}
