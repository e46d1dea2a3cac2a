/**
 * What this machine is set up with, as the operator configured it (src/config.ts reads
 * GRAPHNAS_TF_BACKEND and GRAPHNAS_FASHION_MNIST_DIR): the backend training should use
 * here, and where the datasets are. The composition root sets them once per process;
 * training worker threads receive them with their start-up data. Experiments carry
 * neither: their configuration travels between machines, these do not.
 */
export interface MachineSettings {
  /** The TensorFlow.js backend request for this machine; null: the evaluator's own, else `auto`. */
  readonly backend: string | null;
  /** Where Fashion-MNIST's IDX files are; null: Debian's dataset-fashion-mnist path. */
  readonly fashionMnistDir: string | null;
}

let settings: MachineSettings = { backend: null, fashionMnistDir: null };

export function configureMachine(next: MachineSettings): void {
  settings = { ...next };
}

export function machine(): MachineSettings {
  return settings;
}
