import { useBackend } from './src/backend/index.js';
const t0 = performance.now();
const info = await useBackend(process.argv[2] ?? 'auto');
console.log(info.summary, '|', info.skipped.join(' | '), '|', (performance.now() - t0).toFixed(0), 'ms');
