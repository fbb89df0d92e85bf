/** The only way session data leaves: what a teacher sees of a session, and what a joined student sees. */
import type { Session, SessionBasics, SessionState, StudentSession } from '@qrca/contract';
import { entryClosesAt } from '../domain/phases';
import type { SessionRecord } from '../domain/records';

/** Teachers (owner or co-teacher): everything but the people on the roster. */
export function presentSession(session: SessionRecord, yourRole: 'owner' | 'co_teacher', publicUrl: string): Session {
  return {
    ...basics(session),
    joinCode: session.joinCode,
    joinUrl: joinUrl(publicUrl, session),
    rosterMode: session.rosterMode,
    rosterCount: session.rosterCount,
    constraints: session.constraints,
    ownerId: session.ownerId,
    coTeachers: session.coTeachers.map((teacher) => teacher.email),
    earlyLeaveOpen: session.earlyLeaveOpen,
    createdAt: session.createdAt,
    startedAt: session.startedAt,
    endedAt: session.endedAt,
    yourRole,
  };
}

/** A joined student: no join code, roster, networks or other people. */
export function presentStudentSession(session: SessionRecord): StudentSession {
  const fence = session.constraints.geofence;
  return {
    ...basics(session),
    needsLocation: fence !== undefined && fence.mode !== 'off',
    yourRole: 'student',
  };
}

/** The state everyone in the session hears of when it changes (`sessionChanged`). */
export function presentSessionState(session: SessionRecord): SessionState {
  return {
    status: session.status,
    earlyLeaveOpen: session.earlyLeaveOpen,
    startAt: session.startAt,
    endAt: session.endAt,
    startedAt: session.startedAt,
    endedAt: session.endedAt,
    entryClosesAt: new Date(entryClosesAt(session)).toISOString(),
  };
}

/** Name, state and timing: what everyone who may see the session sees. */
function basics(session: SessionRecord): SessionBasics {
  return {
    id: session.id,
    title: session.title,
    status: session.status,
    startAt: session.startAt,
    endAt: session.endAt,
    lateCutoffMinutes: session.lateCutoffMinutes,
    exitWindowMinutes: session.exitWindowMinutes,
    entryMethod: session.entryMethod,
    entryClosesAt: new Date(entryClosesAt(session)).toISOString(),
    devicePolicy: session.devicePolicy ?? 'warn',
  };
}

/** `<PUBLIC_URL>/join/<id>?code=<joinCode>` */
export function joinUrl(publicUrl: string, session: Pick<SessionRecord, 'id' | 'joinCode'>): string {
  return `${publicUrl}/join/${encodeURIComponent(session.id)}?code=${encodeURIComponent(session.joinCode)}`;
}
