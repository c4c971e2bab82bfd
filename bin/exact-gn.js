#!/usr/bin/env node
// The exact-gn command line (built code in dist/; run `npm run build` after changing src/).
import { main } from '../dist/cli/main.js';
import '../dist/cli/commands.js';

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`exact-gn: internal error: ${err && err.stack ? err.stack : err}\n`);
    process.exit(70);
  },
);
