import { parentPort, workerData } from 'node:worker_threads';
import { attackLoop, type AttackJob } from './clients.js';

// The attacker runs on a thread of its own, so that what it costs to build and send
// megabytes is not charged to the server's event loop, where the probe is measured.
attackLoop(workerData as AttackJob).then(
  (answers) => parentPort?.postMessage({ answers }),
  (error: unknown) => parentPort?.postMessage({ error: error instanceof Error ? error.message : String(error) }),
);
