import { execFile } from 'node:child_process';
import { availableParallelism, hostname } from 'node:os';
import { fashionMnistAvailable } from '../evaluation/data/idx-source.js';

/** What a worker tells the registry about the machine it runs on. */
export interface MachineInfo {
  readonly host: string;
  readonly cores: number;
  /** The NVIDIA GPUs' names (nvidia-smi), or null where there is none or no driver. */
  readonly gpu: string | null;
  /** Dataset sources it can load without being given a path. */
  readonly datasets: readonly string[];
}

/** nvidia-smi answers in tens of milliseconds; a hung driver must not hold the worker's start. */
const NVIDIA_SMI_TIMEOUT_MS = 5000;

function nvidiaGpus(): Promise<string | null> {
  return new Promise((resolve) => {
    execFile('nvidia-smi', ['--query-gpu=name', '--format=csv,noheader'], { timeout: NVIDIA_SMI_TIMEOUT_MS }, (error, stdout) => {
      const names = error ? [] : stdout.split('\n').map((l) => l.trim()).filter((l) => l !== '');
      resolve(names.length > 0 ? names.join(', ') : null);
    });
  });
}

export async function machineInfo(): Promise<MachineInfo> {
  return {
    host: hostname(),
    cores: availableParallelism(),
    gpu: await nvidiaGpus(),
    // Generated data needs nothing; IDX and CSV files are named by path and looked for per trial.
    datasets: fashionMnistAvailable() ? ['fashion-mnist', 'synthetic'] : ['synthetic'],
  };
}
