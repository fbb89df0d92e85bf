/**
 * Holds HTTP answers to the OpenAPI document: the route must be documented, the status documented for it, the
 * content type documented for that status and the body valid against its schema (JSON Schema 2020-12, the
 * dialect of OpenAPI 3.1, checked with ajv).
 */
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';

/** The parts of an OpenAPI document the checks read. */
interface Document {
  readonly paths: Record<string, Record<string, unknown>>;
  readonly components?: { readonly schemas?: Record<string, unknown> };
}

interface MediaType {
  readonly schema?: unknown;
}
interface Response {
  readonly content?: Record<string, MediaType>;
}
/** An operation as the checks see it. */
export interface DocumentedOperation {
  readonly operationId: string;
  readonly responses: Record<string, Response>;
}

/** An HTTP answer: status, content type (if any) and the body as text. */
export interface Answer {
  readonly status: number;
  readonly contentType: string | null;
  readonly text: string;
}

/** Where the document's component schemas live for ajv (`#/components/schemas/X` is rewritten to it). */
const COMPONENTS_ID = 'https://qrca.invalid/openapi/components';
const METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const;

/** A copy of `value` with every `#/components/schemas/X` reference pointing into the components resource. */
function rewriteRefs(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(rewriteRefs);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, inner]) => [
      key,
      key === '$ref' && typeof inner === 'string' && inner.startsWith('#/components/schemas/')
        ? `${COMPONENTS_ID}#/$defs/${inner.slice('#/components/schemas/'.length)}`
        : rewriteRefs(inner),
    ]),
  );
}

export class OpenApiChecker {
  private readonly ajv: Ajv2020;
  private readonly operations: { method: string; pattern: RegExp; literals: number; operation: DocumentedOperation }[];
  private readonly validators = new Map<string, ValidateFunction>();

  /** @throws Error when the component schemas are not valid JSON Schema 2020-12 (strict mode). */
  constructor(document: Document) {
    // Strict, except that `required` may name keys a record's `propertyNames` allows (zod's enum-keyed records).
    this.ajv = new Ajv2020({ strict: true, strictRequired: false, allErrors: true });
    addFormats(this.ajv);
    this.ajv.addSchema({ $id: COMPONENTS_ID, $defs: rewriteRefs(document.components?.schemas ?? {}) });
    this.operations = Object.entries(document.paths).flatMap(([path, item]) => {
      const segments = path.split('/');
      const source = segments.map((s) => (/^\{\w+\}$/.test(s) ? '[^/]+' : s.replace(/[.*+?^${}()|[\]\\-]/g, '\\$&')));
      return METHODS.flatMap((method) => {
        const operation = item[method] as DocumentedOperation | undefined;
        if (!operation) return [];
        return [
          {
            method: method.toUpperCase(),
            pattern: new RegExp(`^${source.join('/')}$`),
            literals: segments.filter((s) => !s.startsWith('{')).length,
            operation,
          },
        ];
      });
    });
  }

  /** The documented operation serving `method` on `pathname`; literal segments win over parameters. */
  operationFor(method: string, pathname: string): DocumentedOperation | undefined {
    return this.operations
      .filter((o) => o.method === method.toUpperCase() && o.pattern.test(pathname))
      .sort((a, b) => b.literals - a.literals)[0]?.operation;
  }

  /**
   * Every schema of every documented response, compiled (each `$ref` resolved).
   * @throws Error naming the first schema ajv refuses.
   */
  compileAll(): number {
    let count = 0;
    for (const { operation } of this.operations) {
      for (const [status, response] of Object.entries(operation.responses)) {
        for (const mediaType of Object.keys(response.content ?? {})) {
          this.validatorFor(operation, status, mediaType);
          count += 1;
        }
      }
    }
    return count;
  }

  /**
   * Checks one answer. @throws Error naming the operation, the status and what is wrong: an undocumented
   * route, status or content type, a body where none is documented, or a body its schema refuses.
   * @returns the operation's id
   */
  check(method: string, pathname: string, answer: Answer): string {
    const operation = this.operationFor(method, pathname);
    if (!operation) throw new Error(`${method} ${pathname}: no such operation in the document`);
    const where = `${method} ${pathname} (${operation.operationId}) → ${answer.status}`;
    const response = operation.responses[String(answer.status)];
    if (!response) throw new Error(`${where}: status not documented (${Object.keys(operation.responses).join(', ')})`);
    const content = response.content ?? {};
    if (Object.keys(content).length === 0) {
      if (answer.text !== '') throw new Error(`${where}: a body where the document says none: ${answer.text}`);
      return operation.operationId;
    }
    const mediaType = (answer.contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
    if (!(mediaType in content)) {
      throw new Error(`${where}: content type "${mediaType}" not documented (${Object.keys(content).join(', ')})`);
    }
    let body: unknown = answer.text;
    if (mediaType === 'application/json') {
      try {
        body = JSON.parse(answer.text);
      } catch {
        throw new Error(`${where}: not JSON: ${answer.text.slice(0, 200)}`);
      }
    }
    const validate = this.validatorFor(operation, String(answer.status), mediaType);
    if (!validate(body)) {
      const problems = (validate.errors ?? []).map((e) => `${e.instancePath || '(root)'} ${e.message ?? ''}`);
      throw new Error(`${where}: body breaks the document: ${problems.join('; ')}\n${answer.text.slice(0, 500)}`);
    }
    return operation.operationId;
  }

  private validatorFor(operation: DocumentedOperation, status: string, mediaType: string): ValidateFunction {
    const key = `${operation.operationId} ${status} ${mediaType}`;
    let validate = this.validators.get(key);
    if (!validate) {
      const schema = operation.responses[status]?.content?.[mediaType]?.schema ?? {};
      try {
        validate = this.ajv.compile(rewriteRefs(schema) as object);
      } catch (error) {
        throw new Error(`${key}: the schema does not compile: ${(error as Error).message}`, { cause: error });
      }
      this.validators.set(key, validate);
    }
    return validate;
  }
}
