/** Development only: the outbox of sign-in emails (404 in production or when SMTP is configured). */
import { EmailSchema, routes } from '@qrca/contract';
import { NotFoundError, validationErrorFromZod } from '../middleware/errors';
import { defineRoute } from './http';

export const devRoutes = [
  defineRoute(routes.devOutbox, async ({ request, services }) => {
    if (!services.outbox) throw new NotFoundError();
    const to = request.query.get('to');
    const recipient = to === null ? undefined : EmailSchema.safeParse(to);
    if (recipient && !recipient.success) throw validationErrorFromZod(recipient.error, 'That is not an email address.');
    return { jsonBody: { messages: await services.outbox.list(recipient?.data) } };
  }),
];
