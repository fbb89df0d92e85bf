/** Test data for the dashboard's pure functions: attendance rows, chains and events with deterministic values. */
import type { AttendanceRow, AuditEvent, Chain } from '@qrca/contract';

/** An attendance row: a joined, unverified student unless `overrides` say otherwise. */
export function buildRow(id: string, overrides: Partial<AttendanceRow> = {}): AttendanceRow {
  return {
    studentId: id,
    email: `${id}@students.example.edu`,
    name: null,
    joined: true,
    entry: null,
    entryAt: null,
    entryMethod: null,
    exitVerified: false,
    exitAt: null,
    earlyLeaveAt: null,
    final: 'absent',
    flags: [],
    override: null,
    ...overrides,
  };
}

/** A chain held by `holderId` at `seq`, started at 09:00 UTC plus `startedMinute`. */
export function buildChain(id: string, overrides: Partial<Chain> = {}): Chain {
  return {
    chainId: id,
    phase: 'entry',
    seq: 1,
    holderId: 'h1',
    holderName: 'Holder One',
    length: 0,
    startedAt: '2026-06-03T09:00:00.000Z',
    lastHandoffAt: '2026-06-03T09:00:00.000Z',
    state: 'active',
    ...overrides,
  };
}

/** An audit event; a scan by `actorId` unless `overrides` say otherwise. */
export function buildEvent(id: string, overrides: Partial<AuditEvent> = {}): AuditEvent {
  return {
    id,
    at: '2026-06-03T09:01:00.000Z',
    kind: 'scan',
    actorId: 'a',
    flow: 'chain',
    outcome: 'accepted',
    ...overrides,
  };
}
