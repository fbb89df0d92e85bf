/** AttendanceService: a student's own status and hold, and the session's audit log for its teachers. */
import type { AuditEvent } from '@qrca/contract';
import { NotFoundError, ValidationError } from '../middleware/errors';
import { StoreUsageError } from '../ports/table-store';
import { presentMyStatus } from '../presenters/attendance.presenter';
import type { SessionRepository } from '../repositories/session.repository';
import type { Caller } from './auth.service';
import type { ChainService } from './chain.service';
import type { SessionService } from './session.service';

const EVENTS_PER_PAGE = 100;

export interface AttendanceDependencies {
  readonly sessions: SessionRepository;
  readonly sessionService: SessionService;
  readonly chains: ChainService;
}

export class AttendanceService {
  constructor(private readonly deps: AttendanceDependencies) {}

  /** The caller's own status, and the hold while they hold a chain. @throws NotFoundError unless joined. */
  async myView(caller: Caller, sessionId: string) {
    const { session } = await this.deps.sessionService.access(caller, sessionId, 'session:attend');
    const row = await this.deps.sessions.getAttendance(sessionId, caller.id);
    if (!row) throw new NotFoundError();
    const holding = row.data.holding;
    const chain = holding ? await this.deps.sessions.getChain(sessionId, holding.chainId) : undefined;
    const hold =
      chain && chain.data.holderId === caller.id && chain.data.state !== 'closed'
        ? this.deps.chains.holdFor(sessionId, chain.data)
        : null;
    return { status: presentMyStatus(row.data, session), hold };
  }

  /** One page of the audit log, oldest first. @throws NotFoundError; ValidationError for a bad cursor. */
  async events(
    caller: Caller,
    sessionId: string,
    cursor: string | undefined,
  ): Promise<{ events: AuditEvent[]; cursor: string | null }> {
    await this.deps.sessionService.access(caller, sessionId, 'events:read');
    try {
      return await this.deps.sessions.events(sessionId, cursor, EVENTS_PER_PAGE);
    } catch (error) {
      if (error instanceof StoreUsageError)
        throw new ValidationError('That cursor is not valid.', [{ path: 'cursor', message: 'invalid' }]);
      throw error;
    }
  }
}
