import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import type { Decision, Finalization, Replicate, TrialPoint } from '../../web/src/api/documents.js';
import { mergeFinalization, replicateCounts, withReplicate } from '../../web/src/model/finalization.js';
import { lineColumn, locate, spanOf } from '../../web/src/model/json-locate.js';
import { marginalEffects } from '../../web/src/model/marginals.js';
import { paretoFront } from '../../web/src/model/pareto.js';
import { TrialSet } from '../../web/src/model/trial-set.js';

function point(sequence: number, patch: Partial<TrialPoint> = {}): TrialPoint {
  return { id: `t${sequence}`, sequence, status: 'SUCCEEDED', reward: sequence / 10, actions: [0], params: null, flops: null, latencyMs: null, duplicateOfId: null, updatedAt: '2026-01-01T00:00:00.000Z', ...patch };
}

test('a trial is only replaced by a version at least as new, whatever order the query and the events arrive in', () => {
  const set = new TrialSet();
  assert.equal(set.merge(point(2, { status: 'RUNNING', updatedAt: '2026-01-01T00:00:02Z' })), true);
  assert.equal(set.merge(point(1)), true);
  assert.equal(set.merge(point(2, { status: 'SUCCEEDED', updatedAt: '2026-01-01T00:00:05Z' })), true);
  // A re-query that read the row before the event arrived:
  assert.equal(set.merge(point(2, { status: 'RUNNING', updatedAt: '2026-01-01T00:00:02Z' })), false);
  assert.deepEqual(
    set.all().map((t) => [t.sequence, t.status]),
    [
      [1, 'SUCCEEDED'],
      [2, 'SUCCEEDED'],
    ],
  );
  const before = set.all();
  set.merge(point(1, { reward: 0.9, updatedAt: '2026-01-01T00:00:09Z' }));
  assert.notEqual(set.all(), before, 'a change gives a new array, so views know to redraw');
});

test('the Pareto front holds exactly the points no other point dominates', () => {
  const pointArb = fc.record({ cost: fc.integer({ min: 0, max: 20 }), reward: fc.integer({ min: 0, max: 20 }) });
  fc.assert(
    fc.property(fc.array(pointArb, { maxLength: 40 }), fc.constantFrom('MAXIMIZE' as const, 'MINIMIZE' as const), (points, direction) => {
      const better = (a: number, b: number): boolean => (direction === 'MAXIMIZE' ? a > b : a < b);
      const dominated = (i: number): boolean =>
        points.some((q, j) => j !== i && q.cost <= points[i]!.cost && !better(points[i]!.reward, q.reward) && (q.cost < points[i]!.cost || better(q.reward, points[i]!.reward)));
      const front = paretoFront(points, direction);
      for (const i of front) assert.ok(!dominated(i), `point ${i} is dominated`);
      // Equal points: one of them stands for all.
      const onFront = new Set(front.map((i) => `${points[i]!.cost}/${points[i]!.reward}`));
      points.forEach((p, i) => {
        if (!dominated(i)) assert.ok(onFront.has(`${p.cost}/${p.reward}`), `undominated ${JSON.stringify(p)} is missing`);
      });
      for (let k = 1; k < front.length; k += 1) assert.ok(points[front[k]!]!.cost > points[front[k - 1]!]!.cost, 'ordered by cost, one point per cost');
    }),
  );
});

test('marginal effects average each choice’s reward over evaluations only', () => {
  const decisions: Decision[] = [
    { index: 0, id: 'op', name: 'op', choices: ['a', 'b'] },
    { index: 1, id: 'size', name: 'size', choices: [1, 2, 3] },
  ];
  const trials = [
    point(1, { actions: [0, 0], reward: 0.2 }),
    point(2, { actions: [0, -1], reward: 0.4 }),
    point(3, { actions: [1, 2], reward: 0.9 }),
    point(4, { actions: [1, 2], reward: 0.9, duplicateOfId: 't3' }),
    point(5, { actions: [1, 1], status: 'RUNNING', reward: null }),
    point(6, { actions: [1, 1], status: 'FAILED', reward: null }),
  ];
  const [op, size] = marginalEffects(decisions, trials);
  assert.deepEqual(op!.choices, [
    { choice: 0, trials: 2, mean: (0.2 + 0.4) / 2 },
    { choice: 1, trials: 1, mean: 0.9 },
  ]);
  assert.ok(Math.abs(op!.spread - 0.6) < 1e-12);
  assert.deepEqual(size!.choices.map((c) => c.trials), [1, 0, 1]);
  assert.equal(size!.inactive, 1);
});

test('a validation error’s JSON pointer lands on its value in the text, or on its nearest existing parent', () => {
  const text = '{\n  "cell": {\n    "nodes": 1,\n    "ops": ["a", "b/c"]\n  }\n}';
  const located = locate(text);
  assert.equal(located.syntaxError, null);
  const at = (pointer: string): string | null => {
    const span = spanOf(located, pointer);
    return span === null ? null : text.slice(span.start, span.end);
  };
  assert.equal(at('/cell/nodes'), '1');
  assert.equal(at('/cell/ops/1'), '"b/c"');
  assert.equal(at('/cell/skeleton/stemChannels'), text.slice(text.indexOf('{', 1), text.lastIndexOf('}', text.length - 2) + 1));
  assert.equal(at(''), text);
  const escaped = locate('{"a/b": {"~x": 5}}');
  assert.equal(spanOf(escaped, '/a~1b/~0x')?.start, 15);
});

test('a syntax error is placed where the text stops being JSON', () => {
  const text = '{\n  "nodes": 4,\n  "ops": [1, 2,]\n}';
  const located = locate(text);
  assert.ok(located.syntaxError !== null);
  assert.deepEqual(lineColumn(text, located.syntaxError.offset), { line: 3, column: 16 });
  fc.assert(
    fc.property(fc.jsonValue(), (value) => {
      const json = JSON.stringify(value, null, 1);
      const result = locate(json);
      assert.equal(result.syntaxError, null, json);
      assert.equal(spanOf(result, '')?.end, json.length);
    }),
  );
});

function replicate(id: string, finalistOfId: string, patch: Partial<Replicate> = {}): Replicate {
  return { id, sequence: Number(id.slice(1)), status: 'PENDING', reward: null, error: null, updatedAt: '2026-01-01T00:00:01Z', finalistOfId, final: { round: 1, replicate: 0, seed: 7, budget: {}, inheritsWeights: false }, ...patch };
}

function finalization(patch: Partial<Finalization> = {}): Finalization {
  const finalist = (rank: number, replicates: Replicate[]): Finalization['finalists'][number] => ({
    proxyRank: rank,
    proxyReward: 1 - rank / 10,
    proxyTrial: { id: `p${rank}`, sequence: rank, label: `arch ${rank}` },
    validation: null,
    test: null,
    unfinished: replicates.length,
    failed: 0,
    replicates,
    bestReplicate: null,
  });
  return {
    experimentId: 'e',
    round: 1,
    status: 'RUNNING',
    topK: 2,
    seeds: 1,
    budget: {},
    overrides: {},
    inheritWeights: false,
    finalists: [finalist(1, [replicate('r11', 'p1')]), finalist(2, [replicate('r12', 'p2')])],
    winner: null,
    spearman: null,
    spearmanTest: null,
    inheritance: null,
    error: null,
    createdAt: '2026-01-01T00:00:00Z',
    updatedAt: '2026-01-01T00:00:00Z',
    finishedAt: null,
    ...patch,
  };
}

test('a finalist’s training event updates its row, and an older one or another round’s changes nothing', () => {
  const shown = finalization();
  const running = withReplicate(shown, replicate('r12', 'p2', { status: 'RUNNING', updatedAt: '2026-01-01T00:00:05Z' }));
  assert.ok(running !== null);
  assert.deepEqual(replicateCounts(running.finalists[1]!), { done: 0, failed: 0, running: 1, pending: 0, cancelled: 0, total: 1 });
  assert.equal(running.finalists[0], shown.finalists[0], 'the other finalist is left as it was');
  assert.equal(withReplicate(running, replicate('r12', 'p2', { status: 'PENDING', updatedAt: '2026-01-01T00:00:02Z' })), null, 'an older version');
  assert.equal(withReplicate(running, replicate('r20', 'p2', { final: { round: 2, replicate: 0, seed: 7, budget: {}, inheritsWeights: false } })), null, 'another round');
  assert.equal(withReplicate(running, replicate('r30', 'p9')), null, 'not a finalist of this round');
  assert.equal(withReplicate(running, { ...replicate('r31', 'p1'), final: null }), null, 'a search trial');
});

test('a finalization merges by round and by age, whatever order the answers and events arrive in', () => {
  const started = finalization();
  const done = finalization({
    status: 'SUCCEEDED',
    updatedAt: '2026-01-01T00:00:09Z',
    finishedAt: '2026-01-01T00:00:09Z',
    finalists: started.finalists.map((f) => ({ ...f, replicates: f.replicates.map((r) => ({ ...r, status: 'SUCCEEDED' as const, updatedAt: '2026-01-01T00:00:08Z' })) })),
  });
  const merged = mergeFinalization(done, started);
  assert.equal(merged.status, 'SUCCEEDED', 'a late answer read before the end does not undo it');
  assert.deepEqual(merged.finalists.flatMap((f) => f.replicates.map((r) => r.status)), ['SUCCEEDED', 'SUCCEEDED']);
  assert.equal(mergeFinalization(started, done).status, 'SUCCEEDED');
  const next = finalization({ round: 2, finalists: [] });
  assert.equal(mergeFinalization(done, next), next, 'a new round replaces the old one');
  assert.equal(mergeFinalization(next, done), next, 'an old round never comes back');
});
