/** GET /api/health: the state of each dependency. */
import { z } from 'zod';

export const DependencyCheckSchema = z.object({
  ok: z.boolean(),
  kind: z.string(),
  ms: z.number().nonnegative(),
  error: z.string().optional(),
});
export type DependencyCheck = z.infer<typeof DependencyCheckSchema>;

export const HealthResponseSchema = z.object({
  status: z.enum(['ok', 'degraded']),
  version: z.string().optional(),
  checks: z.object({
    store: DependencyCheckSchema,
    cache: DependencyCheckSchema,
    realtime: DependencyCheckSchema,
  }),
});
export type HealthResponse = z.infer<typeof HealthResponseSchema>;
