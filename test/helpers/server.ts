import type { Config } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { startServer, type RunningServer } from '../../src/server.js';

/** A real server (HTTP + WebSocket + database) in this process, silent unless GRAPHNAS_TEST_LOG names a level. */
export function startTestServer(config: Config): Promise<RunningServer> {
  return startServer(config, createLogger(process.env.GRAPHNAS_TEST_LOG ?? 'silent', { pretty: false }));
}
