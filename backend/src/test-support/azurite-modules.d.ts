// Azurite ships no type declarations; we use two classes by deep import (see azurite.ts).
declare module 'azurite/dist/src/table/TableConfiguration' {
  // eslint-disable-next-line @typescript-eslint/no-extraneous-class -- opaque to us; only passed to TableServer
  export default class TableConfiguration {
    constructor(...args: unknown[]);
  }
}
declare module 'azurite/dist/src/table/TableServer' {
  import type TableConfiguration from 'azurite/dist/src/table/TableConfiguration';
  export default class TableServer {
    constructor(config: TableConfiguration);
    start(): Promise<void>;
    close(): Promise<void>;
    getHttpServerAddress(): string;
  }
}
