/**
 * The replica the subscribers of bench/api.ts connect to: the server that runs the
 * experiment itself, or a second replica on the same PostgreSQL database in a process of
 * its own (`graphnas serve` with no scheduler), as a second pod would be. In one process
 * the two replicas would share one event loop, and the fan-out of the one would be
 * measured as a slowdown of the other's experiment.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Config } from '../../src/config.js';
import type { RunningServer } from '../../src/server.js';

export interface Replica {
  readonly url: string;
  /** Where it runs: "in this process" or "in process <pid>". */
  readonly where: string;
  /** Open WebSocket connections that passed `connection_init`. */
  connections(): Promise<number>;
  /** The replica's process: resident set, and the JS heap where it can be read (this process). */
  memory(): { rssMB: number; heapMB: number | null };
  close(): Promise<void>;
}

export function inThisProcess(server: RunningServer): Replica {
  return {
    url: server.url,
    where: 'in this process',
    connections: () => Promise.resolve(server.websocketStats().connections),
    memory: () => {
      const m = process.memoryUsage();
      return { rssMB: m.rss / 2 ** 20, heapMB: m.heapUsed / 2 ** 20 };
    },
    close: () => Promise.resolve(),
  };
}

function rssMBOf(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith('VmRSS:'));
  return line === undefined ? NaN : Number(line.replace(/\D+/g, '')) / 1024;
}

/** `graphnas serve` of this build on `config`'s database, without a scheduler; resolves once it serves. */
export async function spawnReplica(config: Config, cliPath = join(__dirname, '..', '..', 'src', 'cli.js')): Promise<Replica> {
  if (config.databaseUrl === null) throw new Error('a replica in another process needs a server database');
  const child = spawn(process.execPath, ['--max-old-space-size=4096', cliPath, 'serve'], {
    env: {
      ...process.env,
      DATABASE_URL: config.databaseUrl,
      ...(config.databaseSchema === null ? {} : { DATABASE_SCHEMA: config.databaseSchema }),
      HOST: '127.0.0.1',
      PORT: '0',
      GRAPHNAS_SCHEDULER: 'off',
      GRAPHNAS_AUTH: 'off',
      GRAPHNAS_RATE_LIMIT: '0',
      LOG_FORMAT: 'json',
      LOG_LEVEL: 'info',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the replica did not start serving within 60 s')), 60_000);
    child.once('exit', (code) => reject(new Error(`the replica exited with ${String(code)} before serving`)));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      try {
        const entry = JSON.parse(line) as { msg?: string; url?: string; level?: number };
        if (entry.msg === 'graphnas is serving' && typeof entry.url === 'string') {
          clearTimeout(timer);
          resolve(entry.url);
        } else if ((entry.level ?? 0) >= 50) process.stderr.write(`replica: ${line}\n`);
      } catch {
        // Not a log line.
      }
    });
  });
  const metricsUrl = url.replace(/\/graphql$/, '/metrics');
  return {
    url,
    where: `in process ${child.pid!}`,
    async connections() {
      const text = await (await fetch(metricsUrl)).text();
      const line = text.split('\n').find((l) => l.startsWith('graphnas_websocket_connections'));
      return line === undefined ? NaN : Number(line.split(/\s+/).at(-1));
    },
    memory: () => ({ rssMB: rssMBOf(child.pid!), heapMB: null }),
    async close() {
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 15_000))]);
      if (child.exitCode === null) child.kill('SIGKILL');
    },
  };
}
