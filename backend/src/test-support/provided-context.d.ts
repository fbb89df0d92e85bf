// Values the medium tier's global setup provides to tests via inject().
import 'vitest';

declare module 'vitest' {
  export interface ProvidedContext {
    azuriteConnectionString: string;
    redisUrl: string;
  }
}
