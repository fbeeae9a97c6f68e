// byteTable(), the normalisation table augment() and normalize() share: a cache that hands out
// a copy (ARCHITECTURE.md, "Process state"), so no caller's changes reach another.
import { lastValueFrom, of } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { normalize } from '@idxflow/transforms';
import { byteTable } from '@idxflow/transforms/internal';

describe('caches hand out values nobody else sees change', () => {
  it("byteTable(): a caller's changes to its table reach neither the next caller nor normalize()", async () => {
    const [mean, std] = [0.1307, 0.3081];
    const mine = byteTable(mean, std);
    mine.fill(Number.NaN);
    const next = byteTable(mean, std);
    expect(next).not.toBe(mine);
    // (v / 255 - mean) / std, computed here: 0 -> -0.4242..., 255 -> 2.8215...
    for (const v of [0, 1, 128, 255]) expect(next[v]).toBeCloseTo((v / 255 - mean) / std, 5);
    const block = { images: Uint8Array.of(0, 255), labels: Uint8Array.of(3), indices: Uint32Array.of(0), epoch: 0, shape: [1, 1, 2] as [number, number, number] };
    const out = await lastValueFrom(of(block).pipe(normalize({ mean, std })));
    expect(out.images[0]).toBeCloseTo(-mean / std, 5);
    expect(out.images[1]).toBeCloseTo((1 - mean) / std, 5);
  });
});
