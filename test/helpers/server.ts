import type { Config } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { startServer, type RunningServer } from '../../src/server.js';

/** A real server (HTTP + WebSocket + database) in this process, logging nothing. */
export function startTestServer(config: Config): Promise<RunningServer> {
  return startServer(config, createLogger('silent', { pretty: false }));
}
