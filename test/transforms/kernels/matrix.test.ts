import { describe, expect, it } from 'vitest';
import { OptionError } from '@idxflow/core';
import { affineMatrix, flipAffine, identityAffine, invertAffine, multiplyAffine, type Affine, type AffineParams } from '../../../packages/transforms/src/kernels/index.js';

const NONE: AffineParams = { angle: 0, shiftX: 0, shiftY: 0, scale: 1, shear: 0 };

const apply = (m: Affine, x: number, y: number): [number, number] => [m[0] * x + m[1] * y + m[2], m[3] * x + m[4] * y + m[5]];

/**
 * torchvision.transforms.functional._get_inverse_affine_matrix (v0.15+), transcribed, with
 * shear = (shearX, shearY). rotate() calls it with -angle, which is how idxflow's angle is meant.
 */
function torchvisionInverse(center: [number, number], angle: number, translate: [number, number], scale: number, shearX: number, shearY = 0): number[] {
  const rot = (angle * Math.PI) / 180;
  const sx = (shearX * Math.PI) / 180;
  const sy = (shearY * Math.PI) / 180;
  const [cx, cy] = center;
  const [tx, ty] = translate;
  const a = Math.cos(rot - sy) / Math.cos(sy);
  const b = -(a * Math.tan(sx) + Math.sin(rot));
  const c = Math.sin(rot - sy) / Math.cos(sy);
  const d = Math.cos(rot) - c * Math.tan(sx);
  const m = [d / scale, -b / scale, 0, -c / scale, a / scale, 0];
  m[2] += cx - m[0] * (cx + tx) - m[1] * (cy + ty);
  m[5] += cy - m[3] * (cx + tx) - m[4] * (cy + ty);
  return m;
}

describe('affineMatrix', () => {
  it('is exactly the identity for identity parameters', () => {
    for (const [w, h] of [[28, 28], [5, 7], [1, 1]]) expect(Array.from(affineMatrix(NONE, w, h))).toEqual([1, 0, 0, 0, 1, 0]);
  });

  it("equals torchvision's inverse affine matrix (rotate's sign for the angle, affine's shear x)", () => {
    const cases: AffineParams[] = [
      { angle: 17, shiftX: 1.5, shiftY: -2, scale: 1.1, shear: 0 },
      { angle: -33, shiftX: 0, shiftY: 0.25, scale: 0.8, shear: 12 },
      { angle: 0, shiftX: 0, shiftY: 0, scale: 1, shear: -20 },
      { angle: 123, shiftX: -3, shiftY: 4, scale: 1.7, shear: 7 },
      { angle: 0, shiftX: 0, shiftY: 0, scale: 1, shear: 0, shearY: 25 },
      { angle: -48, shiftX: 2, shiftY: 1, scale: 0.9, shear: -11, shearY: -17 },
    ];
    for (const p of cases) {
      const ours = affineMatrix(p, 28, 20);
      const theirs = torchvisionInverse([13.5, 9.5], -p.angle, [p.shiftX, p.shiftY], p.scale, p.shear, p.shearY);
      theirs.forEach((v, i) => expect(ours[i]).toBeCloseTo(v, 12));
    }
  });

  it('maps hand-worked points: quarter turn, scale 2, shear 45 degrees, shift', () => {
    // 5 x 5 image, centre (2, 2). The forward map says where an input point lands.
    const forward = (p: Partial<AffineParams>): Affine => invertAffine(affineMatrix({ ...NONE, ...p }, 5, 5));
    // Counter-clockwise on screen: the right-middle point (4, 2) goes to the top-middle (2, 0).
    expect(apply(forward({ angle: 90 }), 4, 2)).toEqual([2, 0]);
    // Scale 2 about the centre: (3, 2) is 1 right of it, so it lands 2 right: (4, 2).
    expect(apply(forward({ scale: 2 }), 3, 2)).toEqual([4, 2]);
    // Shear 45 (torchvision's sign): x' = x - tan(45°) (y - 2): the top row moves right by 2.
    expect(apply(forward({ shear: 45 }), 0, 0)).toEqual([2, 0]);
    expect(apply(forward({ shear: 45 }), 2, 4)).toEqual([0, 4]);
    // Shear y 45: y' = y - tan(45°) (x - 2): the right column moves up by 2, the left one down.
    expect(apply(forward({ shearY: 45 }), 4, 2)).toEqual([4, 0]);
    expect(apply(forward({ shearY: 45 }), 0, 3)).toEqual([0, 5]);
    // A positive shift moves right and down.
    const [x, y] = apply(forward({ shiftX: 1.5, shiftY: -0.5 }), 1, 1);
    expect([x, y]).toEqual([2.5, 0.5]);
  });

  it('snaps quarter and half turns to exact integer entries', () => {
    for (const angle of [90, -90, 180, -180, 270, 450]) {
      const m = affineMatrix({ ...NONE, angle }, 28, 28);
      for (const v of m) expect(Number.isInteger(v)).toBe(true);
    }
  });

  it('rejects a non-positive scale and a shear of 90 degrees, naming the parameter', () => {
    expect(() => affineMatrix({ ...NONE, scale: 0 }, 28, 28)).toThrow(/scale/);
    expect(() => affineMatrix({ ...NONE, shear: 90 }, 28, 28)).toThrow(/shear/);
    expect(() => affineMatrix({ ...NONE, shearY: -90 }, 28, 28)).toThrow(/shearY/);
  });
});

describe('flipAffine', () => {
  it('maps pixel centres onto the mirrored pixel centres, exactly', () => {
    // 5 x 4 image: column x goes to 4 - x, row y to 3 - y.
    expect(Array.from(flipAffine(true, false, 5, 4))).toEqual([-1, 0, 4, 0, 1, 0]);
    expect(Array.from(flipAffine(false, true, 5, 4))).toEqual([1, 0, 0, 0, -1, 3]);
    expect(apply(flipAffine(true, true, 5, 4), 1, 0)).toEqual([3, 3]);
    expect(Array.from(flipAffine(false, false, 5, 4))).toEqual([1, 0, 0, 0, 1, 0]);
  });
});

describe('multiplyAffine and invertAffine', () => {
  it('compose rotations by adding angles, in the documented order', () => {
    const m = multiplyAffine(affineMatrix({ ...NONE, angle: 30 }, 28, 28), affineMatrix({ ...NONE, angle: 20 }, 28, 28));
    const both = affineMatrix({ ...NONE, angle: 50 }, 28, 28);
    both.forEach((v, i) => expect(m[i]).toBeCloseTo(v, 12));
  });

  it('puts the first change on the left: shift then scale differs from scale then shift', () => {
    // Resampling by multiplyAffine(first, second) applies `first` to the image, then `second`.
    const shift = affineMatrix({ ...NONE, shiftX: 2 }, 5, 5);
    const scale = affineMatrix({ ...NONE, scale: 2 }, 5, 5);
    const forward = invertAffine(multiplyAffine(shift, scale));
    // Point (2, 2) is shifted to (4, 2), then scaled about the centre to (6, 2).
    expect(apply(forward, 2, 2)).toEqual([6, 2]);
  });

  it('inverts: m times its inverse is the identity', () => {
    const m = affineMatrix({ angle: 21, shiftX: 1.25, shiftY: -3, scale: 0.9, shear: 8 }, 28, 28);
    const product = multiplyAffine(m, invertAffine(m));
    const identity = identityAffine();
    product.forEach((v, i) => expect(v).toBeCloseTo(identity[i], 12));
    expect(() => invertAffine(Float64Array.from([1, 2, 0, 2, 4, 0]))).toThrow(OptionError);
  });
});
