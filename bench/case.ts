// Runs one benchmark case in this process and prints its result as one JSON line, so that
// each case's peak RSS is its own.
import { coreCases } from './cases/core.js';
import { corruptCases } from './cases/corrupt.js';
import { exportCases } from './cases/export.js';
import { npyCases } from './cases/npy.js';
import { sinkCases } from './cases/sinks.js';
import { serveCases } from './cases/serve.js';
import { transformCases } from './cases/transforms.js';

const [group, which] = process.argv.slice(2);
const groups: Record<string, (which: string) => Promise<unknown>> = { core: coreCases, transforms: transformCases, sinks: sinkCases, serve: serveCases, export: exportCases, npy: npyCases, corrupt: corruptCases };
const run = groups[group];
if (!run) throw new Error(`unknown bench group ${group}`);
process.stdout.write(`${JSON.stringify(await run(which))}\n`);
