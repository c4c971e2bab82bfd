export * from './step.js';
export * from './inexact.js';
