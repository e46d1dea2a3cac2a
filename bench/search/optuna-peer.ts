/**
 * Optuna's TPESampler side by side with our strategies: Debian's python3-optuna runs
 * bench/search/optuna_peer.py on the same six categorical decisions, the same table
 * values (handed over, not re-read), the same loop, budget, seeds and evaluation times.
 * The bench installs the package with apt-get when it is missing and it may.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../../src/evaluation/tabular/package-root.js';
import type { Problem, Scored } from './nb201-problem.js';
import { durationStream, type EndReason, type LoopSettings, type SearchRun } from './service-loop.js';

export const PEER_VARIANTS = {
  /** Our tpe's own rule: one joint density, trials in flight counted as bad. */
  'optuna-tpe': 'multivariate',
  /** TPESampler() as it comes: independent densities per parameter, no constant liar. */
  'optuna-tpe-defaults': 'defaults',
} as const;
export type PeerName = keyof typeof PEER_VARIANTS;
export const PEERS = Object.keys(PEER_VARIANTS) as PeerName[];

const PYTHONS = ['/usr/bin/python3', 'python3'];

function hasOptuna(python: string): string | null {
  const probe = spawnSync(python, ['-c', 'import optuna; print(optuna.__version__)'], { encoding: 'utf8' });
  return probe.status === 0 ? probe.stdout.trim() : null;
}

/** A Python that imports optuna, installing Debian's python3-optuna first if needed and possible; null with the reason otherwise. */
export function findOptuna(): { python: string; version: string } | { python: null; reason: string } {
  const found = (): { python: string; version: string } | null => {
    for (const python of PYTHONS) {
      const version = hasOptuna(python);
      if (version !== null) return { python, version };
    }
    return null;
  };
  const first = found();
  if (first !== null) return first;
  if (process.getuid?.() !== 0 || !existsSync('/usr/bin/apt-get')) return { python: null, reason: 'optuna is not installed and apt-get cannot be run here (needs root on Debian)' };
  console.log('installing python3-optuna with apt-get …');
  const install = spawnSync('apt-get', ['install', '-y', 'python3-optuna'], { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  const after = found();
  return after ?? { python: null, reason: `apt-get install python3-optuna exited with ${String(install.status)}` };
}

interface PeerRun {
  readonly seed: number;
  readonly variant: string;
  readonly evaluations: string[];
  readonly proposals: string[];
  readonly proposalsAt: number[];
  readonly end: EndReason;
  readonly samplerMs: number;
}

function job(problem: Problem): { decisions: number[]; rewards: Record<string, number> } {
  const rewards: Record<string, number> = {};
  for (const [key, cell] of problem.cells) rewards[key] = cell.scored.reward;
  return { decisions: problem.decisions.map((d) => d.choices.length), rewards };
}

function runPython(python: string, input: unknown): Promise<unknown> {
  const script = join(packageRoot(), 'bench', 'search', 'optuna_peer.py');
  return new Promise((resolve, reject) => {
    const child = spawn(python, [script], { stdio: ['pipe', 'pipe', 'inherit'] });
    const chunks: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => chunks.push(c));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`${script} exited with ${String(code)}`));
      try {
        resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')));
      } catch (error) {
        reject(error as Error);
      }
    });
    child.stdin.end(JSON.stringify(input));
  });
}

/** Every peer's search per seed, as SearchRuns (strategy time = Optuna's ask + tell time). Runs in a child process, so it overlaps with work here. */
export async function runPeers(python: string, problem: Problem, settings: LoopSettings, seeds: readonly number[]): Promise<Map<PeerName, SearchRun[]>> {
  const durations: Record<string, number[]> = {};
  for (const seed of seeds) {
    const stream = durationStream(seed);
    durations[String(seed)] = Array.from({ length: settings.maxTrials }, () => stream.uniform(0.5, 1.5));
  }
  const out = (await runPython(python, { ...job(problem), ...settings, seeds, durations, variants: Object.values(PEER_VARIANTS) })) as { runs: PeerRun[] };
  const score = (key: string): Scored => {
    const cell = problem.cells.get(key);
    if (cell === undefined) throw new Error(`the peer proposed ${key}, which is not a cell`);
    return cell.scored;
  };
  const result = new Map<PeerName, SearchRun[]>();
  for (const peer of PEERS) {
    const runs = seeds.map((seed) => {
      const run = out.runs.find((r) => r.seed === seed && r.variant === PEER_VARIANTS[peer]);
      if (run === undefined) throw new Error(`no ${peer} run for seed ${seed}`);
      return { evaluations: run.evaluations.map(score), proposals: run.proposals.map(score), proposalsAt: run.proposalsAt, end: run.end, strategyMs: run.samplerMs };
    });
    result.set(peer, runs);
  }
  return result;
}

/** Optuna's ask + tell time per trial, sequentially, averaged within each window of trial numbers. */
export async function peerCost(python: string, problem: Problem, trials: number, windows: readonly (readonly [number, number])[]): Promise<Map<PeerName, number[]>> {
  const out = (await runPython(python, { ...job(problem), mode: 'cost', trials, windows, variants: Object.values(PEER_VARIANTS) })) as {
    cost: { variant: string; windows: number[] }[];
  };
  const result = new Map<PeerName, number[]>();
  for (const peer of PEERS) result.set(peer, out.cost.find((c) => c.variant === PEER_VARIANTS[peer])!.windows);
  return result;
}
