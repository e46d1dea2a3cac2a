/**
 * Worker-thread entry (loaded as dist/src/evaluation/trainer/train.worker.js). One trial
 * at a time: the pool never sends a second `run` before the first finished. Datasets are
 * cached by the data module for the worker's lifetime.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { selectBackend } from '../backend/select.js';
import { serializeError, type FromWorker, type ToWorker, type TrainWorkerData } from './protocol.js';
import { runTrial } from './run-trial.js';

const port = parentPort;
if (!port) throw new Error('train.worker must run in a worker thread');
const send = (msg: FromWorker): void => port.postMessage(msg);
const { backend } = workerData as TrainWorkerData;

const ready = selectBackend({ preferred: backend }).then((sel) => {
  send({ type: 'ready', backend: sel.name, reason: sel.reason });
  return sel;
});
// Jobs await `ready` and fail with its error; this only keeps an idle worker from dying of an unhandled rejection.
ready.catch(() => undefined);

port.on('message', (msg: ToWorker) => {
  if (msg.type !== 'run') return;
  const { jobId, job, abort } = msg;
  void (async () => {
    try {
      await ready;
      const outcome = await runTrial(job, {
        shouldStop: () => Atomics.load(abort, 0) !== 0,
        report: (point) => send({ type: 'metric', jobId, point }),
      });
      const transfer = outcome.weights?.flatMap((l) => l.values.map((v) => v.buffer as ArrayBuffer)) ?? [];
      port.postMessage({ type: 'done', jobId, outcome } satisfies FromWorker, transfer);
    } catch (err) {
      send({ type: 'failed', jobId, error: serializeError(err) });
    }
  })();
});
