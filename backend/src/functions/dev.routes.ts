/**
 * Development only: the outbox of sign-in emails — 404 in production, with SMTP, or to anyone but this
 * machine.
 */
import { EmailSchema, routes } from '@qrca/contract';
import { ipInNetworks } from '../domain/network';
import { NotFoundError, validationErrorFromZod } from '../middleware/errors';
import { defineRoute } from './http';

const LOOPBACK = ['127.0.0.0/8', '::1'];

export const devRoutes = [
  defineRoute(routes.devOutbox, async ({ request, clientIp, services }) => {
    // Only on this machine: with HOST=0.0.0.0 phones on the network must not read everyone's codes.
    if (!services.outbox || !clientIp || !ipInNetworks(clientIp, LOOPBACK)) throw new NotFoundError();
    // One address at a time: a page listing every code would hand any local process everyone's sign-in.
    const recipient = EmailSchema.safeParse(request.query.get('to') ?? '');
    if (!recipient.success) throw validationErrorFromZod(recipient.error, 'Give the address: ?to=EMAIL.');
    return { jsonBody: { messages: await services.outbox.list(recipient.data) } };
  }),
];
