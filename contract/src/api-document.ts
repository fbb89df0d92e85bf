/** GET /api/openapi.json: the OpenAPI 3.1 document the backend generates from this contract (its top level). */
import { z } from 'zod';

/** The OpenAPI version the document declares; its schemas are JSON Schema 2020-12. */
export const OPENAPI_VERSION = '3.1.0';

/**
 * The document's top level. The rest is OpenAPI 3.1's own schema (the backend's tests validate it against that);
 * clients read it with any OpenAPI tool.
 */
export const ApiDocumentSchema = z.looseObject({
  openapi: z.string().regex(/^3\.1\.\d+$/, 'an OpenAPI 3.1 version'),
  info: z.looseObject({ title: z.string(), version: z.string() }),
  paths: z.record(z.string(), z.looseObject({})),
});
export type ApiDocument = z.infer<typeof ApiDocumentSchema>;
