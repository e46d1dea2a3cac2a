import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { RunningServer } from '../../src/server.js';
import { backends } from '../helpers/backends.js';
import { createExperimentVia } from '../helpers/experiments.js';
import { gqlOk, subscribe } from '../helpers/graphql-client.js';
import { startTestServer } from '../helpers/server.js';

interface TrialEvent {
  eventId: number;
  id: string;
  status: string;
}

const TRIALS = `subscription($id: ID!, $after: Int) { trialUpdated(experimentId: $id, after: $after) { eventId id status } }`;

/** The trial events the experiment's log holds, in order: what every subscriber must end with. */
async function logged(server: RunningServer, experimentId: string, after = 0): Promise<{ eventId: number; id: string; status: string }[]> {
  const events = [];
  for (let cursor = after; ; ) {
    const batch = await server.services.storage.events.listAfter(experimentId, cursor, 500);
    for (const e of batch) if (e.topic === 'TRIAL_UPDATED') events.push({ eventId: e.id, id: e.payload.id, status: e.payload.status });
    if (batch.length < 500) return events;
    cursor = batch.at(-1)!.id;
  }
}

async function finished(server: RunningServer, id: string): Promise<void> {
  for (;;) {
    const { experiment } = await gqlOk<{ experiment: { status: string } }>(server.url, `query($id: ID!) { experiment(id: $id) { status } }`, { id });
    if (experiment.status !== 'RUNNING') return;
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('resumable subscriptions', async () => {
  for (const backend of await backends()) {
    describe(backend.name, { skip: backend.skip ?? false }, () => {
      let server: RunningServer;
      before(async () => {
        server = await startTestServer(backend.config({ schedulerResyncMs: 200, subscriberBuffer: 50 }));
      });
      after(async () => {
        await server?.close();
        await backend.cleanup();
      });

      test('a subscriber that comes back with `after` gets exactly what it missed, then the live events, with no gap and no duplicate', async () => {
        const id = await createExperimentVia(server.url, { name: 'resume', strategy: { type: 'random' }, evaluator: { type: 'tabular' }, budget: { maxTrials: 60, parallelTrials: 4 }, seed: 2 });
        const start = await gqlOk<{ experiment: { eventId: number } }>(server.url, `query($id: ID!) { experiment(id: $id) { eventId } }`, { id });
        const first = await subscribe(server.url, TRIALS, { id, after: start.experiment.eventId }, (d) => d.trialUpdated as TrialEvent);
        await gqlOk(server.url, `mutation($id: ID!) { startExperiment(id: $id) { status } }`, { id });
        const seen = await first.until((r) => r.length >= 20, 30_000);
        await first.close();
        // The connection is gone; the search goes on without it.
        const cursor = seen.at(-1)!.eventId;
        // The gap: events committed while nobody of this dashboard was connected, which only
        // the log can give back.
        let missed: TrialEvent[] = [];
        while ((missed = await logged(server, id, cursor)).length < 10) await new Promise((r) => setTimeout(r, 50));
        const second = await subscribe(server.url, TRIALS, { id, after: cursor }, (d) => d.trialUpdated as TrialEvent);
        await finished(server, id);
        const expected = await logged(server, id);
        const rest = await second.until((r) => r.length >= expected.length - seen.length, 30_000);
        await second.close();
        const together = [...seen, ...rest];
        assert.deepEqual(together, expected, 'what the two subscriptions delivered is the log, each event once, in order');
        assert.deepEqual(rest.slice(0, missed.length), missed, 'the gap is replayed first, from the log');

        // From the start: `after: 0` replays the whole history of a finished experiment.
        const replay = await subscribe(server.url, TRIALS, { id, after: 0 }, (d) => d.trialUpdated as TrialEvent);
        assert.deepEqual(await replay.until((r) => r.length >= expected.length, 30_000), expected);
        await replay.close();
      });

      test('a subscriber that stops reading holds a bounded queue, delays neither the search nor the others, and is ended with a cursor', async () => {
        const id = await createExperimentVia(server.url, {
          name: 'slow',
          strategy: { type: 'random' },
          evaluator: { type: 'tabular' },
          budget: { maxTrials: 300, parallelTrials: 8 },
          seed: 3,
        });
        // The transport pulls from a subscription only as fast as its socket drains (graphql-ws
        // awaits each send), so a client that stops reading is, to the feed, an iterator
        // nobody pulls: that is this one, on the server's own feed.
        const slow = await server.services.feed.subscribe(id, { topics: new Set(['TRIAL_UPDATED' as never]), after: 0 });
        const fast = await subscribe(server.url, TRIALS, { id, after: 0 }, (d) => d.trialUpdated as TrialEvent);
        let peak = 0;
        const watch = setInterval(() => (peak = Math.max(peak, server.services.feed.stats().buffered)), 5);
        await gqlOk(server.url, `mutation($id: ID!) { startExperiment(id: $id) { status } }`, { id });
        await finished(server, id);
        clearInterval(watch);
        const expected = await logged(server, id);
        assert.ok(expected.length > 10 * 50 + 50, `enough events to leave the slow one behind (${expected.length})`);
        assert.deepEqual(await fast.until((r) => r.length >= expected.length, 60_000), expected, 'the reading subscriber got everything');
        await fast.close();
        assert.ok(peak <= 2 * 50, `the queues stayed bounded (peak ${peak} events for two subscribers of buffer 50)`);

        await assert.rejects(slow.next(), (e: unknown) => {
          const details = (e as { details?: { reason?: string; after?: number } }).details;
          return details?.reason === 'SLOW_CONSUMER' && details.after === 0;
        });
        // Resuming from its cursor completes its history.
        const resumed = await subscribe(server.url, TRIALS, { id, after: 0 }, (d) => d.trialUpdated as TrialEvent);
        assert.deepEqual(await resumed.until((r) => r.length >= expected.length, 60_000), expected);
        await resumed.close();
        // The server lets go of a subscription when the client's `complete` arrives.
        for (let i = 0; i < 100 && server.services.feed.stats().subscribers > 0; i++) await new Promise((r) => setTimeout(r, 20));
        assert.equal(server.services.feed.stats().subscribers, 0, 'nothing is left subscribed');
      });
    });
  }
});
