/**
 * Resolves the caller once per request for the route's declared role, and refuses cross-site state changes
 * made with ambient credentials (cookies): those must come from our own origin.
 */
import type { HttpRequest } from '@azure/functions';
import type { RouteDef } from '@qrca/contract';
import { roleAdmits } from '../domain/roles';
import type { AuthService, Caller } from '../services/auth.service';
import { AppError, AuthenticationError, ForbiddenError } from './errors';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * The caller of a non-anonymous route.
 * @throws AuthenticationError without valid credentials; ForbiddenError for the wrong role or a cross-site
 * cookie request; AppError UNSUPPORTED_MEDIA_TYPE for a cookie request with a non-JSON body.
 */
export async function resolveCaller(
  def: RouteDef,
  request: HttpRequest,
  auth: AuthService,
  publicUrl: string,
): Promise<Caller | undefined> {
  if (def.role === 'anonymous') return undefined;
  const caller = await auth.authenticate({
    authorization: request.headers.get('authorization'),
    cookie: request.headers.get('cookie'),
    principal: request.headers.get('x-ms-client-principal'),
  });
  if (!caller) throw new AuthenticationError();
  if (!roleAdmits(def.role, caller.role)) throw new ForbiddenError(`Only ${def.role}s can do this.`);
  if (caller.via !== 'bearer') assertSameOrigin(request, publicUrl);
  return caller;
}

/**
 * CSRF defence for ambient credentials: a state-changing request must carry an Origin equal to ours and, if
 * it has a body, be JSON (which a cross-site form cannot send without a CORS preflight we never grant).
 */
function assertSameOrigin(request: HttpRequest, publicUrl: string): void {
  if (SAFE_METHODS.has(request.method.toUpperCase())) return;
  const origin = request.headers.get('origin');
  const ours = [new URL(publicUrl).origin, new URL(request.url).origin];
  if (!origin || !ours.includes(origin)) throw new ForbiddenError('Cross-site request refused.');
  const hasBody = Number(request.headers.get('content-length') ?? '0') > 0 || request.headers.has('transfer-encoding');
  if (hasBody && !/^(application\/json|text\/csv)\b/i.test(request.headers.get('content-type') ?? '')) {
    throw new AppError('UNSUPPORTED_MEDIA_TYPE', 'Send the body as application/json.');
  }
}
