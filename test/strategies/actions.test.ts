import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { INACTIVE } from '../../src/space/types.js';
import { Random } from '../../src/random/index.js';
import { assertValidActions, decisionSignature, InvalidActionsError, isActive, sampleUniformActions } from '../../src/strategies/actions.js';
import { arbitraryDecisions, CONDITIONED } from './fixtures.js';

describe('decision activity', () => {
  it('evaluates chained conditions: a clause on an inactive decision is false', () => {
    // One layer: layer 1 and 2 decisions do not apply, nor d6 (its condition is on inactive d5).
    const actions = [0, 0, 2, INACTIVE, INACTIVE, INACTIVE, INACTIVE];
    assertValidActions(CONDITIONED, actions);
    assert.equal(isActive(CONDITIONED[6]!, actions), false);
    assert.equal(isActive(CONDITIONED[6]!, [2, 1, INACTIVE, 1, INACTIVE, 0]), true);
  });

  it('rejects sequences with a value where a decision does not apply, or a missing one where it does', () => {
    assert.throws(() => assertValidActions(CONDITIONED, [0, 0, 2, 0, INACTIVE, INACTIVE, INACTIVE]), InvalidActionsError);
    assert.throws(() => assertValidActions(CONDITIONED, [0, 0, INACTIVE, INACTIVE, INACTIVE, INACTIVE, INACTIVE]), InvalidActionsError);
    assert.throws(() => assertValidActions(CONDITIONED, [0, 0, 3, INACTIVE, INACTIVE, INACTIVE, INACTIVE]), InvalidActionsError);
    assert.throws(() => assertValidActions(CONDITIONED, [0, 0, 2]), InvalidActionsError);
  });

  it('samples only valid sequences, for any decision list', () => {
    fc.assert(
      fc.property(arbitraryDecisions, fc.integer(), (decisions, seed) => {
        const rng = Random.fromSeed(seed);
        for (let i = 0; i < 20; i++) assertValidActions(decisions, sampleUniformActions(decisions, rng));
      }),
    );
  });

  it('signs a decision list by its choice counts and conditions', () => {
    assert.equal(decisionSignature(CONDITIONED), decisionSignature(CONDITIONED.map((d) => ({ ...d, id: `x.${d.id}` }))));
    assert.notEqual(decisionSignature(CONDITIONED), decisionSignature(CONDITIONED.slice(0, 6)));
  });
});
