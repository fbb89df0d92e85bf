/** Real time: a connection to a session's events (Azure SignalR Service or the bundled emulator). */
import { IdSchema, NegotiateViewSchema, routes } from '@qrca/contract';
import { validationErrorFromZod } from '../middleware/errors';
import { defineRoute } from './http';

export const realtimeRoutes = [
  defineRoute(routes.negotiate, async ({ caller, request, services }) => {
    const sessionId = IdSchema.safeParse(request.query.get('sessionId') ?? '');
    if (!sessionId.success) throw validationErrorFromZod(sessionId.error, 'Give the session: ?sessionId=ID.');
    const view = NegotiateViewSchema.optional().safeParse(request.query.get('view') ?? undefined);
    if (!view.success) throw validationErrorFromZod(view.error, 'Use view=dashboard, display or student.');
    const origin = new URL(request.url).origin;
    return { jsonBody: await services.signalr.negotiate(caller, sessionId.data, view.data, origin) };
  }),
];
