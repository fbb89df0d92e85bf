/** Sign-in, the caller, sign-out. The session token goes back in the body and as an HttpOnly cookie. */
import type { Cookie } from '@azure/functions';
import { routes, SESSION_COOKIE } from '@qrca/contract';
import { defineRoute } from './http';

function sessionCookie(value: string, maxAgeSeconds: number, secure: boolean): Cookie {
  return { name: SESSION_COOKIE, value, path: '/', httpOnly: true, sameSite: 'Lax', secure, maxAge: maxAgeSeconds };
}

export const authRoutes = [
  defineRoute(routes.authCode, async ({ body, clientIp, services }) => {
    await services.auth.requestCode(body, clientIp);
    return { status: 202, jsonBody: { sent: true as const } };
  }),

  defineRoute(routes.authVerify, async ({ body, clientIp, services }) => {
    const session = await services.auth.verifyCode(body, clientIp);
    const maxAge = Math.floor((Date.parse(session.expiresAt) - services.clock.now()) / 1000);
    return {
      jsonBody: session,
      cookies: [sessionCookie(session.token, maxAge, services.config.env === 'production')],
    };
  }),

  defineRoute(routes.authMe, async ({ caller, services }) => ({ jsonBody: services.auth.me(caller) })),

  defineRoute(routes.authDevicesRegister, async ({ caller, body, services }) => ({
    jsonBody: await services.auth.registerDevice(caller, body.deviceKey),
  })),

  defineRoute(routes.authLogout, async ({ caller, services }) => {
    await services.auth.logout(caller);
    return { status: 204, cookies: [sessionCookie('', 0, services.config.env === 'production')] };
  }),
];
