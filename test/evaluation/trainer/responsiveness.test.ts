import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { TfjsTrainerEvaluator } from '../../../src/evaluation/trainer/tfjs-trainer.js';
import { SMALL_CNN, conv, layers, maxPool, dense } from './fixtures/archs.js';

function percentile(values: number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}

function roundTrip(port: number): Promise<number> {
  const start = performance.now();
  return new Promise((resolve, reject) => {
    const req = httpRequest({ port, path: '/health', agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(performance.now() - start));
    });
    req.on('error', reject);
    req.end();
  });
}

test('the main thread answers HTTP promptly while two trainings run in the pool', async () => {
  // A stand-in for the API: a JSON endpoint on the main thread's event loop.
  const server = createServer((_req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ ok: true }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  const ev = new TfjsTrainerEvaluator({
    type: 'tfjs-trainer',
    backend: 'wasm',
    workers: 2,
    dataset: { source: 'synthetic', count: 1500, height: 16, width: 16 },
    validationFraction: 0.2,
    resolution: null,
    epochs: 3,
    batchSize: 32,
    measureLatency: false,
  });
  try {
    const started = performance.now();
    const req = (id: string, architecture: typeof SMALL_CNN) => ({
      trialId: id, architecture, actions: [], label: id, seed: 1, dataSeed: 0, signal: new AbortController().signal, report: () => undefined,
    });
    const trainings = Promise.all([ev.evaluate(req('a', SMALL_CNN)), ev.evaluate(req('b', layers([conv(16), maxPool(), conv(16), dense(16)])))]);
    const delay = monitorEventLoopDelay({ resolution: 5 });
    delay.enable();
    const latencies: number[] = [];
    let finished = false;
    void trainings.finally(() => (finished = true));
    while (!finished) {
      latencies.push(await roundTrip(port));
      await new Promise((r) => setTimeout(r, 20));
    }
    delay.disable();
    await trainings;
    const trainingMs = performance.now() - started;
    const p50 = percentile(latencies, 50);
    const p95 = percentile(latencies, 95);
    const loopP99 = delay.percentile(99) / 1e6;
    console.log(
      `responsiveness: ${latencies.length} requests over ${trainingMs.toFixed(0)} ms of training; round trip p50 ${p50.toFixed(1)} ms, p95 ${p95.toFixed(1)} ms, max ${Math.max(...latencies).toFixed(1)} ms; event-loop delay p99 ${loopP99.toFixed(1)} ms`,
    );
    assert.ok(latencies.length >= 20, 'the trainings ran long enough to measure');
    // Two busy workers on a shared two-core machine: the main thread waits for a time slice, not for a batch.
    assert.ok(p50 < 25, `p50 ${p50} ms`);
    assert.ok(p95 < Math.max(100, trainingMs / 50), `p95 ${p95} ms`);
    assert.ok(loopP99 < 100, `event-loop delay p99 ${loopP99} ms`);
  } finally {
    await ev.dispose();
    server.close();
  }
});
