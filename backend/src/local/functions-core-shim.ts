/**
 * Stand-in for `@azure/functions-core`, the module the Azure Functions worker injects at run time. With it
 * installed, `@azure/functions` registers `app.http` / `app.timer` / `app.hook` calls here instead of
 * switching to test mode, so the local host runs the very registrations Azure runs. Must be installed before
 * `@azure/functions` is first loaded.
 */
import Module from 'node:module';

/** One `registerFunction` call: the binding metadata `@azure/functions` computed and the user's handler. */
export interface CapturedFunction {
  readonly name: string;
  readonly bindings: Readonly<Record<string, CapturedBinding>>;
  readonly handler: (...args: unknown[]) => unknown;
}

export interface CapturedBinding {
  readonly type: string;
  readonly direction: 'in' | 'out' | 'inout';
  readonly [key: string]: unknown;
}

export interface CapturedHook {
  readonly name: string;
  readonly callback: (context: unknown) => unknown;
}

export interface Registry {
  readonly functions: CapturedFunction[];
  readonly hooks: CapturedHook[];
}

const CORE_MODULE = '@azure/functions-core';
const registry: Registry = { functions: [], hooks: [] };
let installed = false;

const disposable = (dispose: () => void) => ({ dispose });

const fakeCore = {
  version: 'qrca-local-host',
  hostVersion: '4.local',
  setProgrammingModel(): void {},
  getProgrammingModel(): undefined {
    return undefined;
  },
  registerFunction(
    metadata: { name: string; bindings: Record<string, CapturedBinding> },
    handler: CapturedFunction['handler'],
  ) {
    if (registry.functions.some((f) => f.name === metadata.name))
      throw new Error(`function "${metadata.name}" registered twice`);
    const entry: CapturedFunction = { name: metadata.name, bindings: metadata.bindings, handler };
    registry.functions.push(entry);
    return disposable(() => registry.functions.splice(registry.functions.indexOf(entry), 1));
  },
  registerHook(name: string, callback: CapturedHook['callback']) {
    const entry: CapturedHook = { name, callback };
    registry.hooks.push(entry);
    return disposable(() => registry.hooks.splice(registry.hooks.indexOf(entry), 1));
  },
  log(level: string, category: string, message: string): void {
    if (level === 'error' || level === 'warning') console.error(`[functions ${category}] ${message}`);
  },
};

/**
 * Makes `require('@azure/functions-core')` return the stand-in and returns the registry it fills.
 * @throws Error if `@azure/functions` was already loaded (it would have switched to test mode).
 */
export function installFunctionsCoreShim(): Registry {
  if (installed) return registry;
  const mod = Module as unknown as {
    _load: (request: string, ...rest: unknown[]) => unknown;
    _cache: Record<string, unknown>;
  };
  const loaded = Object.keys(mod._cache).some((file) => /[\\/]@azure[\\/]functions[\\/]/.test(file));
  if (loaded) throw new Error('installFunctionsCoreShim() must run before @azure/functions is loaded');
  const original = mod._load;
  mod._load = function load(this: unknown, request: string, ...rest: unknown[]) {
    return request === CORE_MODULE ? fakeCore : original.call(this, request, ...rest);
  };
  installed = true;
  return registry;
}
