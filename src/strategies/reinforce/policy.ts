/**
 * The controller's policy: an LSTM unrolled over the decision list (Zoph & Le 2017; ENAS).
 * Step t reads the embedding of the choice taken at decision t − 1 (a start token at
 * t = 0, an "inactive" row where t − 1 did not apply), and a linear head gives decision
 * t's logits, shaped `c · tanh(raw / T)` so no choice can run away to probability 1 early.
 *
 * Embeddings are one-hot × matrix products rather than gathers: the wasm backend has no
 * UnsortedSegmentSum kernel, so the gradient of `tf.gather` fails there.
 *
 * Inactive decisions still advance the LSTM (their head output is ignored). That keeps a
 * whole batch of differently-shaped architectures in lockstep, and the "inactive" input
 * row tells the next step what happened.
 */
import * as tf from '@tensorflow/tfjs-core';
import './gradients.js';
import type { Actions, Decision } from '../../space/types.js';
import { INACTIVE } from '../../space/types.js';
import { categoricalFromUniform, type Random } from '../../random/index.js';
import { isActive } from '../actions.js';
import { inputRow, policyLayout, START_TOKEN, type PolicyLayout } from './layout.js';

export interface PolicyShape {
  readonly hiddenSize: number;
  readonly layers: number;
  /** `c` in `c · tanh(raw / T)`; null leaves logits unsquashed (`raw / T`). */
  readonly tanhConstant: number | null;
  readonly temperature: number;
  /** Weights start uniform in ±initRange (ENAS: 0.1); biases start at zero so the first policy is close to uniform. */
  readonly initRange: number;
}

export interface SampledArchitecture {
  readonly actions: number[];
  /** Σ over active decisions of log π(a_t), in float64 from the float32 logits. */
  readonly logProb: number;
}

/** Per-architecture log-probability of its actions and the policy's entropy along them, both summed over active decisions. */
export interface ActionScores {
  readonly logProb: tf.Tensor1D;
  readonly entropy: tf.Tensor1D;
}

/** A masked-out logit: far enough below any shaped logit that its softmax weight is exactly 0 in float32. */
const MASKED = -1e9;

interface LstmState {
  h: tf.Tensor2D[];
  c: tf.Tensor2D[];
}

/** A variable shares its initial tensor's data and adds a reference, so the tensor itself must go. */
function toVariable(initial: tf.Tensor): tf.Variable {
  const variable = tf.variable(initial, true);
  initial.dispose();
  return variable;
}

export class LstmPolicy {
  readonly layout: PolicyLayout;
  readonly embedding: tf.Variable;
  readonly kernels: tf.Variable[];
  readonly biases: tf.Variable[];
  readonly headKernel: tf.Variable;
  readonly headBias: tf.Variable;

  constructor(
    private readonly decisions: readonly Decision[],
    readonly shape: PolicyShape,
    rng: Random,
  ) {
    this.layout = policyLayout(decisions);
    const { hiddenSize: h, layers } = shape;
    const uniform = (rows: number, cols: number): tf.Tensor2D => {
      const values = new Float32Array(rows * cols);
      for (let i = 0; i < values.length; i++) values[i] = rng.uniform(-shape.initRange, shape.initRange);
      return tf.tensor2d(values, [rows, cols]);
    };
    // Creation order fixes both the random stream consumed and the variable order of snapshots.
    this.embedding = toVariable(uniform(this.layout.vocabulary, h));
    this.kernels = [];
    this.biases = [];
    for (let l = 0; l < layers; l++) {
      this.kernels.push(toVariable(uniform(2 * h, 4 * h)));
      this.biases.push(toVariable(tf.zeros([4 * h])));
    }
    this.headKernel = toVariable(uniform(h, this.layout.headWidth));
    this.headBias = toVariable(tf.zeros([this.layout.headWidth]));
  }

  /** Every trainable variable, in the fixed order snapshots and the optimizer use. */
  get variables(): tf.Variable[] {
    const out: tf.Variable[] = [this.embedding];
    for (let l = 0; l < this.shape.layers; l++) out.push(this.kernels[l]!, this.biases[l]!);
    out.push(this.headKernel, this.headBias);
    return out;
  }

  private initialState(batch: number): LstmState {
    const zeros = tf.zeros([batch, this.shape.hiddenSize]) as tf.Tensor2D;
    return { h: Array.from({ length: this.shape.layers }, () => zeros), c: Array.from({ length: this.shape.layers }, () => zeros) };
  }

  /** One LSTM step for all layers; returns the top layer's output. Gate order i, f, g, o. */
  private step(rows: readonly number[], state: LstmState): tf.Tensor2D {
    const batch = rows.length;
    const oneHot = new Float32Array(batch * this.layout.vocabulary);
    rows.forEach((row, i) => (oneHot[i * this.layout.vocabulary + row] = 1));
    let x = tf.matMul(tf.tensor2d(oneHot, [batch, this.layout.vocabulary]), this.embedding as tf.Tensor2D) as tf.Tensor2D;
    for (let l = 0; l < this.shape.layers; l++) {
      const z = tf.add(tf.matMul(tf.concat([x, state.h[l]!], 1), this.kernels[l] as tf.Tensor2D), this.biases[l]!) as tf.Tensor2D;
      const [i, f, g, o] = tf.split(z, 4, 1) as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
      const c = tf.add(tf.mul(tf.sigmoid(f), state.c[l]!), tf.mul(tf.sigmoid(i), tf.tanh(g))) as tf.Tensor2D;
      const hNext = tf.mul(tf.sigmoid(o), tf.tanh(c)) as tf.Tensor2D;
      state.c[l] = c;
      state.h[l] = hNext;
      x = hNext;
    }
    return x;
  }

  /** Packed logits over every decision's choices, shaped; only decision t's block is meaningful at step t. */
  private logits(hidden: tf.Tensor2D): tf.Tensor2D {
    const raw = tf.add(tf.matMul(hidden, this.headKernel as tf.Tensor2D), this.headBias);
    const scaled = tf.div(raw, this.shape.temperature);
    return (this.shape.tanhConstant === null ? scaled : tf.mul(tf.tanh(scaled), this.shape.tanhConstant)) as tf.Tensor2D;
  }

  /**
   * Samples one architecture per row of `uniforms` (one uniform draw per decision, used
   * only where the decision applies). Taking the draws as input keeps the random stream
   * independent of how proposals are batched.
   */
  sample(uniforms: readonly (readonly number[])[]): SampledArchitecture[] {
    const batch = uniforms.length;
    if (batch === 0) return [];
    const { layout } = this;
    const actions: number[][] = uniforms.map(() => []);
    const logProbs = new Array<number>(batch).fill(0);
    tf.tidy(() => {
      const state = this.initialState(batch);
      let rows: number[] = new Array<number>(batch).fill(START_TOKEN);
      for (let t = 0; t < layout.decisions; t++) {
        const values = this.logits(this.step(rows, state)).dataSync();
        const k = layout.choices[t]!;
        const offset = layout.headOffset[t]!;
        const nextRows: number[] = [];
        for (let i = 0; i < batch; i++) {
          let action: number = INACTIVE;
          if (isActive(this.decisions[t]!, actions[i]!)) {
            const base = i * layout.headWidth + offset;
            let max = -Infinity;
            for (let j = 0; j < k; j++) max = Math.max(max, values[base + j]!);
            const weights = new Array<number>(k);
            let total = 0;
            for (let j = 0; j < k; j++) total += weights[j] = Math.exp(values[base + j]! - max);
            action = categoricalFromUniform(weights, uniforms[i]![t]!);
            logProbs[i]! += Math.log(weights[action]! / total);
          }
          actions[i]!.push(action);
          if (t < layout.decisions - 1) nextRows.push(inputRow(layout, t, action));
        }
        rows = nextRows;
      }
    });
    return actions.map((a, i) => ({ actions: a, logProb: logProbs[i]! }));
  }

  /**
   * Teacher-forced pass over given action sequences: log π of the taken actions and the
   * entropy of each visited distribution, summed over the decisions that applied. Only
   * tensors of this pass are created, so call it inside `tf.tidy` / `variableGrads`.
   */
  score(batch: readonly Actions[]): ActionScores {
    const { layout } = this;
    const n = batch.length;
    const d = layout.decisions;
    const width = layout.headWidth;
    const maskBias = new Float32Array(d * n * width).fill(MASKED);
    const chosen = new Float32Array(d * n * width);
    const active = new Float32Array(d * n);
    for (let t = 0; t < d; t++) {
      const offset = layout.headOffset[t]!;
      for (let i = 0; i < n; i++) {
        const row = (t * n + i) * width;
        maskBias.fill(0, row + offset, row + offset + layout.choices[t]!);
        const action = batch[i]![t]!;
        if (action !== INACTIVE) {
          chosen[row + offset + action] = 1;
          active[t * n + i] = 1;
        }
      }
    }
    const state = this.initialState(n);
    const hidden: tf.Tensor2D[] = [];
    let rows: number[] = new Array<number>(n).fill(START_TOKEN);
    for (let t = 0; t < d; t++) {
      hidden.push(this.step(rows, state));
      if (t < d - 1) rows = batch.map((a) => inputRow(layout, t, a[t]!));
    }
    // Rows are step-major (all of step 0, then step 1, …): one head product for the whole unrolled pass.
    const logits = tf.add(this.logits(tf.concat(hidden, 0)), tf.tensor2d(maskBias, [d * n, width]));
    const logSoftmax = tf.logSoftmax(logits);
    const takenLogProb = tf.sum(tf.mul(logSoftmax, tf.tensor2d(chosen, [d * n, width])), 1);
    const entropy = tf.mul(tf.neg(tf.sum(tf.mul(tf.exp(logSoftmax), logSoftmax), 1)), tf.tensor1d(active));
    return {
      logProb: tf.sum(tf.reshape(takenLogProb, [d, n]), 0) as tf.Tensor1D,
      entropy: tf.sum(tf.reshape(entropy, [d, n]), 0) as tf.Tensor1D,
    };
  }

  dispose(): void {
    for (const v of this.variables) v.dispose();
  }
}
