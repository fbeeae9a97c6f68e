// An export run as its own process by interrupted.test.ts, to be killed with SIGKILL:
//   node --import tsx test/sinks/files/exportChild.ts <format> <dir> <count> <slowAfter>
// Exports `count` positional samples in blocks of 50 (1000 for array formats). Once
// `slowAfter` samples are produced it slows to one block per 50 ms and prints "slow" when they
// are written, so the parent can kill it midway; prints "done" on completion.
import { setTimeout as sleep } from 'node:timers/promises';
import { DemandWindow, type Block } from '@idxflow/core/internal';
import { Observable } from 'rxjs';
import { exportTo, type ExportFormat } from '../../../packages/sinks/src/files/index.js';
import { positionalBlock } from './positional.js';

const [format, dir, countArg, slowArg] = process.argv.slice(2) as [ExportFormat, string, string, string];
const count = Number(countArg);
const slowAfter = Number(slowArg);
const blockSize = format === 'png' || format === 'wds' ? 50 : 1000;

const source = new Observable<Block>((subscriber) => {
  const demand = new DemandWindow(2);
  void (async () => {
    for (let at = 0; at < count && !subscriber.closed; at += blockSize) {
      if (at >= slowAfter) await sleep(50);
      await demand.emit(subscriber, positionalBlock(at, Math.min(blockSize, count - at)));
    }
    subscriber.complete();
  })().catch((error: unknown) => subscriber.error(error));
});

let told = false;
await exportTo(source, {
  format,
  dir,
  ...(format === 'wds' ? { shardSize: 500 } : {}),
  manifest: { version: 'test', pipeline: { count } },
  onProgress(written) {
    if (!told && written >= slowAfter) {
      told = true;
      process.stdout.write('slow\n');
    }
  },
});
process.stdout.write('done\n');
