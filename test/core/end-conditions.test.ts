import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { EndReason, ExperimentStatus } from '../../src/core/experiments/experiment-status.js';
import { endOf, type SearchProgress } from '../../src/core/scheduler/end-conditions.js';
import type { TrialStatus } from '../../src/core/trials/trial-status.js';
import { experimentRecord } from '../helpers/records.js';

const counts = (c: Partial<Record<TrialStatus, number>> = {}) => ({
  PENDING: 0, RUNNING: 0, SUCCEEDED: 0, FAILED: 0, PRUNED: 0, CANCELLED: 0, ...c,
});
const progress = (p: Partial<SearchProgress> = {}): SearchProgress => ({
  counts: counts(), evaluations: 0, unobserved: 0, bestReward: null, cardinality: 15625n, now: new Date(), ...p,
});
const experiment = (overrides: Parameters<typeof experimentRecord>[1] = {}) =>
  experimentRecord('00000000-0000-4000-8000-000000000000', { status: ExperimentStatus.RUNNING, startedAt: new Date(Date.now() - 1000), ...overrides });

describe('when an experiment ends', () => {
  test('not while trials are active, rewards unobserved, or budget left', () => {
    assert.equal(endOf(experiment(), progress({ counts: counts({ SUCCEEDED: 9, RUNNING: 1 }), evaluations: 10 })), null);
    assert.equal(endOf(experiment(), progress({ counts: counts({ SUCCEEDED: 10 }), evaluations: 10, unobserved: 1 })), null);
    assert.equal(endOf(experiment(), progress({ counts: counts({ SUCCEEDED: 5 }), evaluations: 5 })), null);
  });

  test('max trials: SUCCEEDED once every evaluation is finished and observed', () => {
    assert.deepEqual(endOf(experiment(), progress({ counts: counts({ SUCCEEDED: 8, FAILED: 2 }), evaluations: 10 })), {
      status: ExperimentStatus.SUCCEEDED,
      reason: EndReason.MAX_TRIALS,
    });
  });

  test('a budget spent on failures alone ends FAILED', () => {
    assert.deepEqual(endOf(experiment(), progress({ counts: counts({ FAILED: 10 }), evaluations: 10 })), {
      status: ExperimentStatus.FAILED,
      reason: EndReason.TOO_MANY_FAILURES,
    });
  });

  test('goal reached, in either direction, even with trials active', () => {
    const goal = (direction: 'MAXIMIZE' | 'MINIMIZE') => experiment({ objective: { metric: 'reward', direction, goal: 0.9 } });
    const active = counts({ RUNNING: 3, SUCCEEDED: 1 });
    assert.equal(endOf(goal('MAXIMIZE'), progress({ counts: active, bestReward: 0.95 }))?.reason, EndReason.GOAL_REACHED);
    assert.equal(endOf(goal('MAXIMIZE'), progress({ counts: active, bestReward: 0.85 })), null);
    assert.equal(endOf(goal('MINIMIZE'), progress({ counts: active, bestReward: 0.85 }))?.reason, EndReason.GOAL_REACHED);
  });

  test('too many failures: FAILED as soon as the bound is passed', () => {
    const e = experiment({ budget: { ...experiment().budget, maxFailedTrials: 2 } });
    assert.deepEqual(endOf(e, progress({ counts: counts({ FAILED: 3, RUNNING: 1 }), evaluations: 4 })), {
      status: ExperimentStatus.FAILED,
      reason: EndReason.TOO_MANY_FAILURES,
    });
  });

  test('time limit', () => {
    const e = experiment({ budget: { ...experiment().budget, maxDurationSeconds: 1 }, startedAt: new Date(Date.now() - 5000) });
    assert.equal(endOf(e, progress({ counts: counts({ RUNNING: 1, SUCCEEDED: 1 }) }))?.reason, EndReason.TIME_LIMIT);
  });

  test('converged: too many duplicates in a row', () => {
    const e = experiment({ consecutiveDuplicates: 100 });
    assert.equal(endOf(e, progress({ counts: counts({ SUCCEEDED: 5 }), evaluations: 5 }))?.reason, EndReason.CONVERGED);
  });

  test('a space smaller than the budget ends exhausted', () => {
    assert.equal(endOf(experiment(), progress({ counts: counts({ SUCCEEDED: 6 }), evaluations: 6, cardinality: 6n }))?.reason, EndReason.SPACE_EXHAUSTED);
  });
});
