/**
 * Prebuilds the lecture page's browser bundle into dist/page/app.js (run by `npm run build` and
 * `prepare`, so the published package ships it and `exact-gn page` needs no bundler).
 *
 *   npx tsx scripts/build-page.ts
 */
import { bundlePageApp, prebuiltBundlePath } from '../src/page/bundle.js';

const out = prebuiltBundlePath();
const { bytes, inputs } = await bundlePageApp(out);
console.log(`build-page: ${out} (${(bytes / 2 ** 20).toFixed(2)} MiB, ${inputs.length} modules)`);
