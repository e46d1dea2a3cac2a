export * from './build.js';
export * from './layers-builder.js';
export * from './cell-builder.js';
export * from './cost.js';
export * from './latency.js';
export * from './zeros-layer.js';
