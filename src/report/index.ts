export * from './figure.js';
export * from './figures/index.js';
export * from './figures/appendix.js';
export * from './catalog.js';
export * from './verify.js';
export * from './reproduce.js';
export * from './results-csv.js';
export * from './plan.js';
