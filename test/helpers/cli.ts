import { spawn } from 'node:child_process';
import { CLI } from './fixtures.js';

export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * `graphnas …` of this build as its own process, as a user runs it. Asynchronous, unlike
 * spawnSync: a service in this process, or a child server whose log this process drains,
 * must go on meanwhile. `onStdout` sees the output so far whenever more arrives; the child
 * is killed after `timeoutMs`.
 */
export function runCli(args: readonly string[], env: Record<string, string>, onStdout?: (text: string) => void, timeoutMs = 240_000): Promise<CliResult> {
  const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, LOG_LEVEL: 'warn', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString('utf8');
    onStdout?.(stdout);
  });
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  return new Promise((resolve) =>
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    }),
  );
}
