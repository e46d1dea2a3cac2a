import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Logger as OrmLogger } from 'typeorm';
import { Topic, event } from '../../src/core/events/topics.js';
import type { RunningServer } from '../../src/server.js';
import { backends } from '../helpers/backends.js';
import { subscribe, type Subscription } from '../helpers/graphql-client.js';
import { experimentRecord, searchSpaceRecord, trialRecord } from '../helpers/records.js';
import { startTestServer } from '../helpers/server.js';
import { WireClient } from './ws-wire.js';

interface Update {
  eventId: number;
  trialCounts: { total: number };
}

const UPDATES = `subscription($id: ID!, $after: Int) { experimentUpdated(id: $id, after: $after) { eventId trialCounts { total } } }`;
const TRIALS = `subscription($id: ID!) { trialUpdated(experimentId: $id) { id } }`;

describe('fan-out to many subscribers', async () => {
  for (const backend of await backends()) {
    describe(backend.name, { skip: backend.skip ?? false }, () => {
      let server: RunningServer;
      /** The statements that read an experiment's tally. */
      let tallyReads = 0;

      before(async () => {
        server = await startTestServer(backend.config({ scheduler: false, maxOperationsPerConnection: 2 }));
        const source = server.database.dataSource;
        const logger: OrmLogger = source.logger;
        source.logger = new Proxy(logger, {
          get: (target, property, receiver) =>
            property === 'logQuery'
              ? (query: string, ...rest: unknown[]) => {
                  if (query.includes('trial_tally')) tallyReads += 1;
                  return target.logQuery(query, ...(rest as [unknown[] | undefined]));
                }
              : Reflect.get(target, property, receiver),
        });
      });
      after(async () => {
        await server?.close();
        await backend.cleanup();
      });

      /**
       * Until the server has let go of every socket closed so far: the socket goes first, its
       * connection once graphql-ws has ended the connection's subscriptions.
       */
      async function settled(): Promise<void> {
        const idle = (): boolean => Object.values(server.websocketStats()).every((n) => n === 0);
        for (let i = 0; i < 250 && !idle(); i++) await new Promise((r) => setTimeout(r, 20));
      }

      async function experiment(): Promise<string> {
        const { storage } = server.services;
        const space = searchSpaceRecord();
        await storage.searchSpaces.insert(space);
        const record = experimentRecord(space.id);
        await storage.experiments.insert(record);
        return record.id;
      }

      test('subscribers of one operation share one execution per event, whatever their `after`, and each event reads afresh', async () => {
        const id = await experiment();
        const { storage } = server.services;
        const record = (await storage.experiments.findById(id))!;
        const subscribers: Subscription<Update>[] = [];
        for (const from of [0, null, 0, null]) {
          subscribers.push(await subscribe(server.url, UPDATES, { id, after: from }, (d) => d.experimentUpdated as Update));
        }
        const before = tallyReads;
        for (let n = 1; n <= 3; n++) {
          await storage.trials.insert([trialRecord(id, n)]);
          await storage.transaction(async (tx) => tx.emit(event(Topic.ExperimentUpdated, id, record)));
          await Promise.all(subscribers.map((s) => s.until((r) => r.length >= n)));
        }
        for (const s of subscribers) {
          assert.deepEqual(JSON.parse(JSON.stringify(s.received)), [1, 2, 3].map((n) => ({ eventId: n, trialCounts: { total: n } })), 'every event with the counts as they were then');
          await s.close();
        }
        assert.equal(tallyReads - before, 3, 'one read of the counts per event, not one per subscriber');
      });

      test('a connection runs at most the configured operations at once; the next is refused, the others go on, and the counts are observable', async () => {
        const id = await experiment();
        await settled();
        const wire = await WireClient.open(server.url);
        const other = await WireClient.open(server.url);
        const first = wire.run(TRIALS, { id }, undefined, 1500);
        const second = wire.run(TRIALS, { id }, undefined, 1500);
        const third = await wire.run(TRIALS, { id });
        assert.equal(third.end, 'error');
        assert.equal(third.errors[0]?.extensions?.code, 'LIMIT_EXCEEDED');
        assert.deepEqual({ limit: third.errors[0]?.extensions?.limit, max: third.errors[0]?.extensions?.max }, { limit: 'operations', max: 2 });
        const stats = server.websocketStats();
        assert.equal(stats.connections, 2);
        assert.equal(stats.operations, 2);
        const elsewhere = other.run(TRIALS, { id }, undefined, 300);
        assert.equal((await first).end, 'open', 'the first two kept running');
        assert.equal((await second).end, 'open');
        assert.equal((await elsewhere).end, 'open', 'the limit is per connection');
        // Completed ones make room again.
        assert.equal((await wire.run(TRIALS, { id }, undefined, 300)).end, 'open');
        await wire.close();
        await other.close();
        await settled();
        assert.deepEqual(server.websocketStats(), { sockets: 0, connections: 0, operations: 0 });
      });
    });
  }
});
