/**
 * Where each decision lives in the controller's packed matrices. Packing all embedding
 * tables into one matrix and all heads into one keeps the variable count (and so the
 * per-update optimizer work) independent of the number of decisions.
 */
import type { Decision } from '../../space/types.js';

export interface PolicyLayout {
  readonly decisions: number;
  /** Choice count per decision. */
  readonly choices: readonly number[];
  /** Rows of the embedding matrix: 1 start token, then per decision (but the last) its choices plus one "did not apply" row. */
  readonly vocabulary: number;
  /** Embedding row of decision t's choice 0; its "inactive" row is `inputOffset[t] + choices[t]`. */
  readonly inputOffset: readonly number[];
  /** Columns of the packed head: decision t's logits are `headOffset[t] … headOffset[t] + choices[t] − 1`. */
  readonly headOffset: readonly number[];
  readonly headWidth: number;
}

export const START_TOKEN = 0;

export function policyLayout(decisions: readonly Decision[]): PolicyLayout {
  const choices = decisions.map((d) => d.choices.length);
  const inputOffset: number[] = [];
  const headOffset: number[] = [];
  let row = 1;
  let column = 0;
  choices.forEach((k, t) => {
    headOffset.push(column);
    column += k;
    // The last decision's choice is never fed back, so it needs no rows.
    if (t < choices.length - 1) {
      inputOffset.push(row);
      row += k + 1;
    }
  });
  return { decisions: choices.length, choices, vocabulary: row, inputOffset, headOffset, headWidth: column };
}

/** The embedding row fed at step t + 1 after `action` was taken (or INACTIVE = −1) at decision t. */
export function inputRow(layout: PolicyLayout, t: number, action: number): number {
  return layout.inputOffset[t]! + (action < 0 ? layout.choices[t]! : action);
}
