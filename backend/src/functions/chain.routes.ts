/** Chains (teacher), the student's own status and hold, scans, and the audit log. */
import { routes } from '@qrca/contract';
import { defineRoute } from './http';

export const chainRoutes = [
  defineRoute(routes.chainsStart, async ({ caller, params, body, services }) => ({
    status: 201,
    jsonBody: { chains: await services.chains.startChains(caller, params.id, body.phase, body.count) },
  })),

  defineRoute(routes.chainsList, async ({ caller, params, services }) => ({
    jsonBody: { chains: await services.chains.listChains(caller, params.id) },
  })),

  defineRoute(routes.chainsClose, async ({ caller, params, services }) => ({
    jsonBody: await services.chains.closeChain(caller, params.id, params.chainId),
  })),

  defineRoute(routes.chainsHand, async ({ caller, params, body, services }) => ({
    jsonBody: await services.chains.handChain(caller, params.id, params.chainId, body.studentId),
  })),

  defineRoute(routes.chainsReseed, async ({ caller, params, services }) => ({
    jsonBody: await services.chains.reseedChain(caller, params.id, params.chainId),
  })),

  defineRoute(routes.sessionsMe, async ({ caller, params, services }) => ({
    jsonBody: await services.attendance.myView(caller, params.id),
  })),

  defineRoute(routes.scansCreate, async ({ caller, params, body, request, clientIp, services }) => ({
    jsonBody: await services.scans.scan(caller, params.id, body, {
      clientIp,
      userAgent: request.headers.get('user-agent') ?? undefined,
    }),
  })),

  defineRoute(routes.eventsList, async ({ caller, params, request, services }) => ({
    jsonBody: await services.attendance.events(caller, params.id, request.query.get('cursor') ?? undefined),
  })),
];
