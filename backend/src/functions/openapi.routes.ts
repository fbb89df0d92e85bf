/** GET /api/openapi.json: the API's OpenAPI 3.1 document, generated once from the contract; public and cacheable. */
import { routes } from '@qrca/contract';
import { createHash } from 'node:crypto';
import { openApiDocument } from '../openapi/openapi-document';
import { defineRoute } from './http';

/** Clients and proxies may keep it for a while; a deploy that changes it changes its ETag. */
const CACHE_CONTROL = 'public, max-age=300';

let etag: string | undefined;

/** The document's ETag: a hash of its JSON, computed once. */
function documentEtag(): string {
  etag ??= `"${createHash('sha256').update(JSON.stringify(openApiDocument())).digest('base64url').slice(0, 27)}"`;
  return etag;
}

/** Whether an `If-None-Match` header names `tag` (or `*`); weak tags match too. */
function matches(ifNoneMatch: string | null, tag: string): boolean {
  if (!ifNoneMatch) return false;
  return ifNoneMatch.split(',').some((value) => {
    const candidate = value.trim().replace(/^W\//, '');
    return candidate === '*' || candidate === tag;
  });
}

export const openApiRoutes = [
  defineRoute(routes.openapi, async ({ request }) => {
    const headers = { 'Cache-Control': CACHE_CONTROL, ETag: documentEtag() };
    if (matches(request.headers.get('if-none-match'), headers.ETag)) return { status: 304, headers };
    return { jsonBody: openApiDocument(), headers };
  }),
];
