/**
 * Azure Functions entry point (package.json `main`): validates the configuration (refusing to start on bad
 * settings) and registers the route table. Services are built on first use and closed on app terminate.
 */
import { ServiceRuntime } from './composition';
import { loadConfig } from './config';
import { registerFunctions } from './functions/register';
import { createLogger } from './utils/logger';

const config = loadConfig(process.env);
registerFunctions(new ServiceRuntime(config, createLogger(config)));
