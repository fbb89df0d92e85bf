/**
 * The simulated teacher: creates and runs the session over the API, with the dashboard and the projector display
 * connected to real time as the web app connects them. The dashboard notes when each verification's row reaches
 * it (the real-time figure) and every stall; the display keeps the projector's codes current.
 */
import type { Chain, ChainPhase, Constraints, ProjectorCode, ProjectorKind, Session } from '@qrca/contract';
import { setTimeout as sleep } from 'node:timers/promises';
import { must, type ApiClient } from '../api/api-client';
import type { Person } from '../api/sign-in';
import { connectHub, type Hub } from '../realtime/hub';
import type { Hall } from './hall';
import type { Window } from './truth';

export interface SessionTimes {
  /** Minutes of on-time entry at most (the teacher closes it earlier, once everyone present is verified). */
  readonly lateCutoffMinutes: number;
  /** The exit window's length; the teacher moves the end time so that it opens when the class gets there. */
  readonly exitWindowMinutes: number;
}

/** A chain the teacher closed, with the window of the request and the instance that served it. */
export interface ClosedChain {
  readonly chain: Chain;
  readonly window: Window;
  readonly instance: number;
}

export class Teacher {
  /** Verification key (`entry:<id>`, `exit:<id>`, `early:<id>`) → when the dashboard first showed it (epoch ms). */
  readonly seenAt = new Map<string, number>();
  /** Chains as the dashboard shows them. */
  readonly chains = new Map<string, Chain>();
  stalls = 0;
  /** Chains this teacher started, by phase, and closed. */
  readonly started: Record<ChainPhase, number> = { entry: 0, exit: 0 };
  closedChains = 0;
  /** The window of the first request that started entry chains (entry's start lies in it). */
  firstEntryStart: Window | undefined;
  invalidEvents = 0;
  private hubs: Hub[] = [];
  session: Session | undefined;

  constructor(
    readonly person: Person,
    private readonly api: ApiClient,
  ) {}

  get sessionId(): string {
    if (!this.session) throw new Error('no session yet');
    return this.session.id;
  }

  /** Creates and starts the session with `roster`. @throws Error when refused. */
  async openSession(
    title: string,
    roster: readonly string[],
    times: SessionTimes,
    constraints?: Constraints,
  ): Promise<Session> {
    const now = Date.now();
    const created = must(
      await this.api.call('sessionsCreate', {
        as: this.person,
        body: {
          title,
          startAt: new Date(now).toISOString(),
          endAt: new Date(now + 3 * 3_600_000).toISOString(),
          lateCutoffMinutes: times.lateCutoffMinutes,
          exitWindowMinutes: times.exitWindowMinutes,
          entryMethod: 'chain',
          roster: [...roster],
          rosterMode: 'strict',
          ...(constraints ? { constraints } : {}),
        },
      }),
      'create the session',
    );
    this.session = must(
      await this.api.call('sessionsStart', { params: { id: created.id }, as: this.person }),
      'start the session',
    );
    return this.session;
  }

  /** Connects the dashboard and the projector display to real time. @throws Error when they cannot connect. */
  async connect(hall: Hall): Promise<void> {
    const sessionId = this.sessionId;
    const onInvalid = () => this.invalidEvents++;
    this.hubs.push(
      await connectHub({
        origin: this.api.origin(this.api.nextInstance()),
        sessionId,
        view: 'dashboard',
        token: this.person.token,
        onInvalid,
        handlers: {
          attendanceChanged: ({ row }) => {
            const now = Date.now();
            const note = (key: string) => {
              if (!this.seenAt.has(key)) this.seenAt.set(key, now);
            };
            if (row.entry !== null) note(`${row.entry === 'late' ? 'late' : 'entry'}:${row.studentId}`);
            if (row.exitVerified) note(`exit:${row.studentId}`);
            if (row.earlyLeaveAt) note(`early:${row.studentId}`);
          },
          chainChanged: ({ chain }) => this.chains.set(chain.chainId, chain),
          chainStalled: () => {
            this.stalls++;
          },
        },
      }),
    );
    this.hubs.push(
      await connectHub({
        origin: this.api.origin(this.api.nextInstance()),
        sessionId,
        view: 'display',
        token: this.person.token,
        onInvalid,
        handlers: { codeRotated: ({ code }) => hall.projectorShows(code) },
      }),
    );
  }

  /** Starts chains of `phase`. @throws Error when refused. */
  async startChains(phase: ChainPhase, count: number | 'auto'): Promise<Chain[]> {
    const sentAt = Date.now();
    const { chains } = must(
      await this.api.call('chainsStart', { params: { id: this.sessionId }, as: this.person, body: { phase, count } }),
      `start ${phase} chains`,
    );
    for (const chain of chains) this.chains.set(chain.chainId, chain);
    this.started[phase] += chains.length;
    if (phase === 'entry' && !this.firstEntryStart) this.firstEntryStart = { from: sentAt, to: Date.now() };
    return chains;
  }

  /** Open chains of `phase` as the dashboard shows them. */
  openChains(phase: ChainPhase): number {
    return [...this.chains.values()].filter((c) => c.phase === phase && c.state !== 'closed').length;
  }

  /** "Close on-time entry now". @throws Error when refused. */
  async closeEntry(): Promise<void> {
    must(await this.api.call('entryClose', { params: { id: this.sessionId }, as: this.person }), 'close on-time entry');
  }

  /** Opens or closes the early-leave window. @throws Error when refused. */
  async earlyLeave(open: boolean): Promise<void> {
    const route = open ? 'earlyLeaveOpen' : 'earlyLeaveClose';
    must(await this.api.call(route, { params: { id: this.sessionId }, as: this.person }), `${route}`);
  }

  /**
   * Moves the end so that the exit window is open from now on (half a second ago). The session must stay longer
   * than the window, so this waits until a second has passed since the start. @throws Error when refused.
   */
  async openExitWindow(exitWindowMinutes: number): Promise<void> {
    const sinceStart = Date.now() - Date.parse(this.session?.startAt ?? '');
    if (sinceStart < 1_000) await sleep(1_000 - sinceStart);
    const endAt = new Date(Date.now() + exitWindowMinutes * 60_000 - 500).toISOString();
    must(
      await this.api.call('sessionsUpdate', { params: { id: this.sessionId }, as: this.person, body: { endAt } }),
      'open the exit window (move the end time)',
    );
  }

  /** The current code of an open kind, as the projector fetches it. @throws Error when refused. */
  async code(kind: ProjectorKind): Promise<ProjectorCode> {
    return must(
      await this.api.call('codesGet', { params: { id: this.sessionId, kind }, as: this.person }),
      `the ${kind} code`,
    );
  }

  /**
   * Closes every chain still open ("close chain": its last holder, if unverified, verified by the teacher); returns
   * each closed chain with the window of its request. @throws Error when refused.
   */
  async closeOpenChains(): Promise<ClosedChain[]> {
    const { chains } = must(
      await this.api.call('chainsList', { params: { id: this.sessionId }, as: this.person }),
      'list chains',
    );
    const closed: ClosedChain[] = [];
    for (const open of chains.filter((c) => c.state !== 'closed')) closed.push(await this.closeChain(open.chainId));
    return closed;
  }

  /** "Close chain": its last holder, if unverified, verified by the teacher. @throws Error when refused. */
  async closeChain(chainId: string): Promise<ClosedChain> {
    const answer = await this.api.call('chainsClose', { params: { id: this.sessionId, chainId }, as: this.person });
    const chain = must(answer, 'close a chain');
    this.closedChains++;
    return { chain, window: { from: answer.sentAt, to: answer.answeredAt }, instance: answer.instance };
  }

  /** Ends the session (final statuses frozen). @throws Error when refused. */
  async endSession(): Promise<void> {
    must(await this.api.call('sessionsEnd', { params: { id: this.sessionId }, as: this.person }), 'end the session');
  }

  async disconnect(): Promise<void> {
    await Promise.all(this.hubs.map((hub) => hub.stop()));
    this.hubs = [];
  }
}
