/**
 * Every HTTP test's answers checked against the contract: a success body must parse with its route's response
 * schema, an error body with the error catalogue's shape. Used by the `api()` helper of every HTTP test.
 */
import { ErrorBodySchema, routes, type RouteDef } from '@qrca/contract';

interface CompiledRoute {
  readonly def: RouteDef;
  readonly pattern: RegExp;
  /** Literal segments win over parameters when two routes match (as the hosts route). */
  readonly literals: number;
}

const compiled: readonly CompiledRoute[] = Object.values(routes).map((def: RouteDef) => {
  const segments = def.path.split('/');
  const source = segments.map((s) => (/^\{\w+\??\}$/.test(s) ? '[^/]+' : s.replace(/[.*+?^${}()|[\]\\-]/g, '\\$&')));
  return {
    def,
    pattern: new RegExp(`^/api/${source.join('/')}/?$`),
    literals: segments.filter((s) => !s.startsWith('{')).length,
  };
});

/** The contract route serving `method` on `pathname` (`/api/...`), if any. */
export function routeFor(method: string, pathname: string): RouteDef | undefined {
  return compiled
    .filter((route) => route.def.method === method.toUpperCase() && route.pattern.test(pathname))
    .sort((a, b) => b.literals - a.literals)[0]?.def;
}

/**
 * Checks one answer against the contract. @throws Error naming the route and the schema's complaint when a
 * 2xx JSON body does not parse with the route's response schema, or an error body is not the catalogue's.
 */
export function checkAnswer(method: string, pathname: string, status: number, json: unknown): void {
  const route = routeFor(method, pathname);
  if (status >= 400) {
    const parsed = ErrorBodySchema.safeParse(json);
    if (!parsed.success)
      throw new Error(`${method} ${pathname} → ${status}: not an error body: ${parsed.error.message}`);
    return;
  }
  if (!route?.response || json === undefined || status < 200 || status >= 300) return;
  const parsed = route.response.safeParse(json);
  if (!parsed.success) {
    throw new Error(`${method} ${pathname} (${route.name}) → ${status}: breaks its contract: ${parsed.error.message}`);
  }
}
