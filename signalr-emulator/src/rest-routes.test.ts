import { describe, expect, it } from 'vitest';
import { matchRestRoute } from './rest-routes';
import type { RestMatch } from './rest-routes';

const V = 'api-version=2022-06-01';
function match(method: string, path: string): RestMatch {
  const url = new URL(path, 'http://h');
  return matchRestRoute(method, url.pathname, url.searchParams);
}
function operation(method: string, path: string) {
  const result = match(method, path);
  if (result.kind !== 'route') throw new Error(`expected a route, got ${JSON.stringify(result)}`);
  return { hub: result.hub, api: result.api, ...result.operation };
}

describe('matchRestRoute: v1 paths', () => {
  it.each([
    ['POST', '/api/v1/hubs/Chat', { op: 'send', audience: { to: 'hub' }, excluded: [] }],
    ['POST', '/api/v1/hubs/chat/?excluded=a&excluded=b', { op: 'send', audience: { to: 'hub' }, excluded: ['a', 'b'] }],
    ['POST', '/api/v1/hubs/chat/users/u%201', { op: 'send', audience: { to: 'user', user: 'u 1' } }],
    ['POST', '/api/v1/hubs/chat/groups/g1', { op: 'send', audience: { to: 'group', group: 'g1' } }],
    ['POST', '/api/v1/hubs/chat/connections/c1', { op: 'send', audience: { to: 'connection', connectionId: 'c1' } }],
    ['GET', '/api/v1/hubs/chat/users/u1', { op: 'userExists', user: 'u1' }],
    ['HEAD', '/api/v1/hubs/chat/groups/g1', { op: 'groupExists', group: 'g1' }],
    ['GET', '/api/v1/hubs/chat/connections/c1', { op: 'connectionExists', connectionId: 'c1' }],
    [
      'DELETE',
      '/api/v1/hubs/chat/connections/c1?reason=bye',
      { op: 'closeConnection', connectionId: 'c1', reason: 'bye' },
    ],
    [
      'PUT',
      '/api/v1/hubs/chat/groups/g1/connections/c1',
      { op: 'addConnectionToGroup', group: 'g1', connectionId: 'c1' },
    ],
    ['DELETE', '/api/v1/hubs/chat/connections/c1/groups/g1', { op: 'removeConnectionFromGroup', group: 'g1' }],
    [
      'PUT',
      '/api/v1/hubs/chat/groups/g1/users/u1?ttl=60',
      { op: 'addUserToGroup', user: 'u1', group: 'g1', ttlSeconds: 60 },
    ],
    ['PUT', '/api/v1/hubs/chat/groups/g1/users/u1', { op: 'addUserToGroup', ttlSeconds: undefined }],
    ['HEAD', '/api/v1/hubs/chat/groups/g1/users/u1', { op: 'userInGroup', user: 'u1', group: 'g1' }],
    ['DELETE', '/api/v1/hubs/chat/groups/g1/users/u1', { op: 'removeUserFromGroup', user: 'u1', group: 'g1' }],
    ['DELETE', '/api/v1/hubs/chat/users/u1/groups', { op: 'removeUserFromAllGroups', user: 'u1' }],
    ['DELETE', '/api/v1/hubs/chat/connections/c1/groups', { op: 'removeConnectionFromAllGroups', connectionId: 'c1' }],
    ['HEAD', '/api/v1/health', { op: 'health', hub: undefined }],
  ])('%s %s', (method, path, expected) => {
    expect(operation(method, path)).toMatchObject({
      api: 'v1',
      ...('hub' in expected ? {} : { hub: 'chat' }),
      ...expected,
    });
  });
});

describe('matchRestRoute: 2022-06-01 paths', () => {
  it.each([
    ['POST', `/api/hubs/chat/:send?${V}`, { op: 'send', audience: { to: 'hub' } }],
    ['POST', `/api/hubs/chat/users/u1/:send?${V}`, { op: 'send', audience: { to: 'user', user: 'u1' } }],
    ['POST', `/api/hubs/chat/groups/g1/:send?${V}&excluded=c9`, { op: 'send', excluded: ['c9'] }],
    [
      'POST',
      `/api/hubs/chat/connections/c1/:send?${V}`,
      { op: 'send', audience: { to: 'connection', connectionId: 'c1' } },
    ],
    ['POST', `/api/hubs/chat/:closeConnections?${V}&reason=r`, { op: 'closeConnections', reason: 'r' }],
    [
      'POST',
      `/api/hubs/chat/groups/g1/:closeConnections?${V}`,
      { op: 'closeConnections', audience: { to: 'group', group: 'g1' } },
    ],
    ['HEAD', `/api/hubs/chat/users/u1?${V}`, { op: 'userExists' }],
    ['HEAD', `/api/hubs/chat/connections/c1?${V}`, { op: 'connectionExists' }],
    ['DELETE', `/api/hubs/chat/connections/c1?${V}`, { op: 'closeConnection' }],
    ['PUT', `/api/hubs/chat/users/u1/groups/g1?${V}&ttl=0`, { op: 'addUserToGroup', ttlSeconds: 0 }],
    ['PUT', `/api/hubs/chat/groups/g1/users/u1?${V}`, { op: 'addUserToGroup', user: 'u1', group: 'g1' }],
    ['DELETE', `/api/hubs/chat/users/u1/groups?${V}`, { op: 'removeUserFromAllGroups' }],
    ['PUT', `/api/hubs/chat/groups/g1/connections/c1?${V}`, { op: 'addConnectionToGroup' }],
    ['HEAD', `/api/health?${V}`, { op: 'health', hub: undefined }],
  ])('%s %s', (method, path, expected) => {
    expect(operation(method, path)).toMatchObject({ api: '2022-06-01', ...expected });
  });

  it('prefixes the hub with the application, lower-cased', () => {
    expect(operation('POST', `/api/hubs/Chat/:send?${V}&application=App1`).hub).toBe('app1_chat');
  });

  it('requires a supported api-version', () => {
    expect(match('POST', '/api/hubs/chat/:send')).toMatchObject({ kind: 'invalid', message: /api-version/ });
    expect(match('POST', '/api/hubs/chat/:send?api-version=2019-01-01')).toMatchObject({ kind: 'invalid' });
    expect(match('HEAD', '/api/health')).toMatchObject({ kind: 'invalid' });
    expect(match('POST', '/api/hubs/chat/:send?api-version=2024-12-01').kind).toBe('route');
  });
});

describe('matchRestRoute: refusals', () => {
  it('answers 404 for unknown paths and 405 for known paths with the wrong method', () => {
    expect(match('POST', '/api/v2/hubs/chat').kind).toBe('notFound');
    expect(match('POST', '/api/v1/hubs').kind).toBe('notFound');
    expect(match('POST', '/api/v1/hubs/chat/:send').kind).toBe('notFound');
    expect(match('POST', '/api/v1/hubs/chat/users/u1/extra').kind).toBe('notFound');
    expect(match('POST', '/elsewhere').kind).toBe('notFound');
    expect(match('GET', '/api/v1/hubs/chat')).toEqual({ kind: 'methodNotAllowed', allow: ['POST'] });
    expect(match('POST', `/api/hubs/chat/users/u1?${V}`)).toEqual({ kind: 'methodNotAllowed', allow: ['GET', 'HEAD'] });
  });

  it.each([
    '/api/v1/hubs/1chat',
    '/api/v1/hubs/chat-room',
    `/api/v1/hubs/${'h'.repeat(129)}`,
    '/api/v1/hubs/chat/groups/with%20space',
    `/api/v1/hubs/chat/groups/${'g'.repeat(1025)}`,
    '/api/v1/hubs/chat/users/%20%20',
    '/api/v1/hubs/chat/users/a%0Ab',
    '/api/v1/hubs/chat/groups/g/users/u?ttl=-1',
    '/api/v1/hubs/chat/groups/g/users/u?ttl=1.5',
    '/api/v1/hubs/chat/groups/g/users/u?ttl=abc',
    `/api/hubs/chat/:send?${V}&application=9app`,
  ])('400 for %s', (path) => {
    const method = path.includes('/users/u?') ? 'PUT' : 'POST';
    expect(match(method, path).kind).toBe('invalid');
  });
});
