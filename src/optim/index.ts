export * from './optimizers.js';
export * from './kfac.js';
export * from './damped-gn.js';
