export { Random, categoricalFromUniform, type RandomState } from './prng.js';
export { deriveSeed, experimentSeeds, trialStreams, type ExperimentSeeds, type TrialStreams } from './seeds.js';
