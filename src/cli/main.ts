/**
 * The `cycle-engine` executable (built to dist/cli.js with a `#!/usr/bin/env node` line).
 */
import { processIo } from './io';
import { runCli } from './run';

process.exitCode = await runCli(process.argv.slice(2), processIo);
