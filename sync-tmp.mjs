import { create, globals } from 'webgpu';
Object.assign(globalThis, globals);
const gpu = create(['backend=opengl']);
const adapter = await gpu.requestAdapter({ featureLevel: 'compatibility' });
const device = await adapter.requestDevice();
const src = device.createBuffer({ size: 16, usage: GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST });
device.queue.writeBuffer(src, 0, new Float32Array([1, 2, 3, 4]));
const dst = device.createBuffer({ size: 16, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
const enc = device.createCommandEncoder(); enc.copyBufferToBuffer(src, 0, dst, 0, 16); device.queue.submit([enc.finish()]);
const p = dst.mapAsync(GPUMapMode.READ);
let spins = 0; const t0 = performance.now();
while (dst.mapState !== 'mapped' && spins < +(process.env.N ?? 0)) { spins++; if (process.env.POKE) device.queue.submit([]); }
console.log('state', dst.mapState, 'spins', spins, (performance.now()-t0).toFixed(1));
await p; console.log('after await', dst.mapState, new Float32Array(dst.getMappedRange()));
device.destroy();
