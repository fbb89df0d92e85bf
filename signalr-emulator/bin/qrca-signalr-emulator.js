#!/usr/bin/env node
// Launcher of the compiled CLI (`npm run build` first). Kept in plain CommonJS so `npx` can run it as is.
'use strict';

let cli;
try {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- a CommonJS launcher, by design
  cli = require('../dist/cli.js');
} catch (error) {
  if (error && error.code === 'MODULE_NOT_FOUND' && String(error.message).includes('dist/cli.js')) {
    process.stderr.write('qrca-signalr-emulator is not built yet: run `npm run build` at the repository root.\n');
    process.exit(1);
  }
  throw error;
}
cli.main(process.argv.slice(2)).then((code) => process.exit(code));
