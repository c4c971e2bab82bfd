/** Registers every command of the higher layers with the CLI (imported by bin/exact-gn.js). */
import './run-commands.js';
import './report-commands.js';
import './plan-commands.js';
