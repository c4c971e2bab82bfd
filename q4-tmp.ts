const t0 = performance.now();
const { loadWebGpu } = await import('./src/backend/webgpu.js');
const t1 = performance.now();
try { await loadWebGpu(); } catch (e) { console.log((e as Error).message); }
console.log('import', (t1 - t0).toFixed(0), 'ms; loader', (performance.now() - t1).toFixed(1), 'ms');
