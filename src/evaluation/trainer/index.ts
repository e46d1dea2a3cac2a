export * from './config.js';
export * from './errors.js';
export * from './optimizer.js';
export * from './warm-start.js';
export * from './train.js';
export * from './run-trial.js';
export * from './pool.js';
export * from './tfjs-trainer.js';
