export * from './config.js';
export * from './revmlp.js';
export * from './reference.js';
export * from './loss.js';
export * from './checkpoint.js';
export * from './batch-checks.js';
