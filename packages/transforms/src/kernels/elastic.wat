;; The elastic field kernel in WebAssembly SIMD: the uniform draws and Deriche's recursive
;; Gaussian (gaussian.ts has the derivation), in float32, four columns per f32x4.
;;
;; Source of elastic.wasm.ts: after editing, run `pnpm --filter @idxflow/transforms wasm`;
;; test/transforms/kernels/wasm.test.ts fails while the two differ.
;;
;; Deterministic on every machine: only standard (not relaxed) SIMD, IEEE float32 add, sub, mul
;; and int-to-float conversion, each rounded to nearest as the WebAssembly spec fixes (no FMA, no
;; flush to zero), in the order written here. Lanes never mix except in the transposes, which
;; only move values.
;;
;; A field of `width` x `height` lives in memory with its rows padded to a multiple of 4
;; floats. The recursion runs down the columns, which sit side by side in memory, so one f32x4
;; carries four independent columns. Smoothing along x is the same column pass on the
;; transposed field: `draw` writes the draws transposed (it can: draw i depends on i only), the
;; x pass runs on that, `transpose` turns it back and the y pass finishes the field.
;; Padding lanes hold finite garbage; they are separate columns and are never copied out.
(module
  (memory (export "memory") 1)

  ;; Draws of one field, transposed: for x < rows (the padded width) and y < cols (the padded
  ;; height), out[x * cols + y] = 2 * randomUniform(key, base + y * width + x) - 1 of
  ;; @idxflow/core, the same float32 value as JavaScript's: randomU32 is
  ;; mix32(key ^ (counter + 1) * GOLDEN) (lowbias32), and 2 u / 2^32 - 1 = (u - 2^31) / 2^31,
  ;; which is the signed reading of u ^ 2^31, converted with one rounding and scaled exactly.
  (func $draw (export "draw") (param $out i32) (param $key i32) (param $width i32) (param $rows i32) (param $cols i32) (param $base i32)
    (local $k v128) (local $row v128) (local $h v128) (local $step v128) (local $v v128)
    (local $p i32) (local $end i32)
    (local.set $k (i32x4.splat (local.get $key)))
    ;; (counter + 1) * GOLDEN for x = 0 and y = 0, 1, 2, 3; +GOLDEN per x, +4 width GOLDEN per 4 y.
    (local.set $row
      (i32x4.mul
        (i32x4.add
          (i32x4.splat (i32.add (local.get $base) (i32.const 1)))
          (i32x4.mul (i32x4.splat (local.get $width)) (v128.const i32x4 0 1 2 3)))
        (v128.const i32x4 0x9e3779b9 0x9e3779b9 0x9e3779b9 0x9e3779b9)))
    (local.set $step (i32x4.splat (i32.mul (i32.shl (local.get $width) (i32.const 2)) (i32.const 0x9e3779b9))))
    (local.set $p (local.get $out))
    (loop $lines
      (local.set $h (local.get $row))
      (local.set $end (i32.add (local.get $p) (i32.shl (local.get $cols) (i32.const 2))))
      (loop $quads
        (local.set $v (v128.xor (local.get $h) (local.get $k)))
        (local.set $v (v128.xor (local.get $v) (i32x4.shr_u (local.get $v) (i32.const 16))))
        (local.set $v (i32x4.mul (local.get $v) (v128.const i32x4 0x7feb352d 0x7feb352d 0x7feb352d 0x7feb352d)))
        (local.set $v (v128.xor (local.get $v) (i32x4.shr_u (local.get $v) (i32.const 15))))
        (local.set $v (i32x4.mul (local.get $v) (v128.const i32x4 0x846ca68b 0x846ca68b 0x846ca68b 0x846ca68b)))
        (local.set $v (v128.xor (local.get $v) (i32x4.shr_u (local.get $v) (i32.const 16))))
        (v128.store (local.get $p)
          (f32x4.mul
            (f32x4.convert_i32x4_s (v128.xor (local.get $v) (v128.const i32x4 0x80000000 0x80000000 0x80000000 0x80000000)))
            (v128.const f32x4 0x1p-31 0x1p-31 0x1p-31 0x1p-31)))
        (local.set $h (i32x4.add (local.get $h) (local.get $step)))
        (br_if $quads (i32.lt_u (local.tee $p (i32.add (local.get $p) (i32.const 16))) (local.get $end))))
      (local.set $row (i32x4.add (local.get $row) (v128.const i32x4 0x9e3779b9 0x9e3779b9 0x9e3779b9 0x9e3779b9)))
      (br_if $lines (local.tee $rows (i32.sub (local.get $rows) (i32.const 1))))))

  ;; Smooths every column of a `rows` x `cols` field (cols a multiple of 4) in place, zero
  ;; outside, four columns at a time. `c` holds 12 coefficient vectors (each value four times):
  ;; n0 n1 m1 m2 d1 d2 of the first term, then N0 N1 M1 M2 D1 D2 of the second (gaussian.ts).
  ;; `line` holds the causal sums of one group of four columns: 16 bytes per row.
  (func $columns (param $field i32) (param $rows i32) (param $cols i32) (param $line i32) (param $c i32)
    (local $n0 v128) (local $n1 v128) (local $m1 v128) (local $m2 v128) (local $d1 v128) (local $d2 v128)
    (local $N0 v128) (local $N1 v128) (local $M1 v128) (local $M2 v128) (local $D1 v128) (local $D2 v128)
    (local $x0 v128) (local $x1 v128) (local $x2 v128)
    (local $u v128) (local $u1 v128) (local $u2 v128) (local $v v128) (local $v1 v128) (local $v2 v128)
    (local $stride i32) (local $g i32) (local $end i32) (local $p i32) (local $q i32) (local $i i32)
    (local.set $n0 (v128.load offset=0 (local.get $c)))
    (local.set $n1 (v128.load offset=16 (local.get $c)))
    (local.set $m1 (v128.load offset=32 (local.get $c)))
    (local.set $m2 (v128.load offset=48 (local.get $c)))
    (local.set $d1 (v128.load offset=64 (local.get $c)))
    (local.set $d2 (v128.load offset=80 (local.get $c)))
    (local.set $N0 (v128.load offset=96 (local.get $c)))
    (local.set $N1 (v128.load offset=112 (local.get $c)))
    (local.set $M1 (v128.load offset=128 (local.get $c)))
    (local.set $M2 (v128.load offset=144 (local.get $c)))
    (local.set $D1 (v128.load offset=160 (local.get $c)))
    (local.set $D2 (v128.load offset=176 (local.get $c)))
    (local.set $stride (i32.shl (local.get $cols) (i32.const 2)))
    (local.set $g (local.get $field))
    (local.set $end (i32.add (local.get $field) (local.get $stride)))
    (loop $groups
      ;; Causal, top to bottom, from zero state: the two terms are independent recursions the
      ;; CPU overlaps; the feedback of the latest output comes last, to keep the chain short.
      (local.set $p (local.get $g))
      (local.set $q (local.get $line))
      (local.set $i (local.get $rows))
      (local.set $x1 (v128.const i32x4 0 0 0 0))
      (local.set $u1 (v128.const i32x4 0 0 0 0))
      (local.set $u2 (v128.const i32x4 0 0 0 0))
      (local.set $v1 (v128.const i32x4 0 0 0 0))
      (local.set $v2 (v128.const i32x4 0 0 0 0))
      (loop $down
        (local.set $x0 (v128.load (local.get $p)))
        ;; u = n0 x0 + n1 x1 - d2 u2 - d1 u1, and v likewise with the second term's coefficients.
        (local.set $u
          (f32x4.sub
            (f32x4.sub
              (f32x4.add (f32x4.mul (local.get $n0) (local.get $x0)) (f32x4.mul (local.get $n1) (local.get $x1)))
              (f32x4.mul (local.get $d2) (local.get $u2)))
            (f32x4.mul (local.get $d1) (local.get $u1))))
        (local.set $v
          (f32x4.sub
            (f32x4.sub
              (f32x4.add (f32x4.mul (local.get $N0) (local.get $x0)) (f32x4.mul (local.get $N1) (local.get $x1)))
              (f32x4.mul (local.get $D2) (local.get $v2)))
            (f32x4.mul (local.get $D1) (local.get $v1))))
        (v128.store (local.get $q) (f32x4.add (local.get $u) (local.get $v)))
        (local.set $x1 (local.get $x0))
        (local.set $u2 (local.get $u1))
        (local.set $u1 (local.get $u))
        (local.set $v2 (local.get $v1))
        (local.set $v1 (local.get $v))
        (local.set $p (i32.add (local.get $p) (local.get $stride)))
        (local.set $q (i32.add (local.get $q) (i32.const 16)))
        (br_if $down (local.tee $i (i32.sub (local.get $i) (i32.const 1)))))
      ;; Anti-causal, bottom to top, from zero state; x1 and x2 are the inputs one and two rows
      ;; below. Writes causal + anti-causal over the input, after reading it.
      (local.set $x1 (v128.const i32x4 0 0 0 0))
      (local.set $x2 (v128.const i32x4 0 0 0 0))
      (local.set $u1 (v128.const i32x4 0 0 0 0))
      (local.set $u2 (v128.const i32x4 0 0 0 0))
      (local.set $v1 (v128.const i32x4 0 0 0 0))
      (local.set $v2 (v128.const i32x4 0 0 0 0))
      (loop $up
        (local.set $p (i32.sub (local.get $p) (local.get $stride)))
        (local.set $q (i32.sub (local.get $q) (i32.const 16)))
        (local.set $u
          (f32x4.sub
            (f32x4.sub
              (f32x4.add (f32x4.mul (local.get $m1) (local.get $x1)) (f32x4.mul (local.get $m2) (local.get $x2)))
              (f32x4.mul (local.get $d2) (local.get $u2)))
            (f32x4.mul (local.get $d1) (local.get $u1))))
        (local.set $v
          (f32x4.sub
            (f32x4.sub
              (f32x4.add (f32x4.mul (local.get $M1) (local.get $x1)) (f32x4.mul (local.get $M2) (local.get $x2)))
              (f32x4.mul (local.get $D2) (local.get $v2)))
            (f32x4.mul (local.get $D1) (local.get $v1))))
        (local.set $x0 (v128.load (local.get $p)))
        (v128.store (local.get $p) (f32x4.add (f32x4.add (v128.load (local.get $q)) (local.get $u)) (local.get $v)))
        (local.set $x2 (local.get $x1))
        (local.set $x1 (local.get $x0))
        (local.set $u2 (local.get $u1))
        (local.set $u1 (local.get $u))
        (local.set $v2 (local.get $v1))
        (local.set $v1 (local.get $v))
        (br_if $up (i32.ne (local.get $p) (local.get $g))))
      (br_if $groups (i32.lt_u (local.tee $g (i32.add (local.get $g) (i32.const 16))) (local.get $end)))))

  ;; dst (cols x rows) = transpose of src (rows x cols), both multiples of 4, in 4 x 4 blocks.
  (func $transpose (param $src i32) (param $dst i32) (param $rows i32) (param $cols i32)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128)
    (local $t0 v128) (local $t1 v128) (local $t2 v128) (local $t3 v128)
    (local $r i32) (local $c i32) (local $s i32) (local $d i32) (local $sstride i32) (local $dstride i32)
    (local.set $sstride (i32.shl (local.get $cols) (i32.const 2)))
    (local.set $dstride (i32.shl (local.get $rows) (i32.const 2)))
    (loop $rowBlocks
      (local.set $c (i32.const 0))
      (loop $colBlocks
        (local.set $s (i32.add (local.get $src) (i32.shl (i32.add (i32.mul (local.get $r) (local.get $cols)) (local.get $c)) (i32.const 2))))
        (local.set $a0 (v128.load (local.get $s)))
        (local.set $a1 (v128.load (local.tee $s (i32.add (local.get $s) (local.get $sstride)))))
        (local.set $a2 (v128.load (local.tee $s (i32.add (local.get $s) (local.get $sstride)))))
        (local.set $a3 (v128.load (i32.add (local.get $s) (local.get $sstride))))
        ;; t0 = a00 a10 a01 a11, t1 = a02 a12 a03 a13, t2 and t3 the same of rows 2 and 3.
        (local.set $t0 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $a0) (local.get $a1)))
        (local.set $t1 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $a0) (local.get $a1)))
        (local.set $t2 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $a2) (local.get $a3)))
        (local.set $t3 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $a2) (local.get $a3)))
        (local.set $d (i32.add (local.get $dst) (i32.shl (i32.add (i32.mul (local.get $c) (local.get $rows)) (local.get $r)) (i32.const 2))))
        (v128.store (local.get $d)
          (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $t0) (local.get $t2)))
        (v128.store (local.tee $d (i32.add (local.get $d) (local.get $dstride)))
          (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $t0) (local.get $t2)))
        (v128.store (local.tee $d (i32.add (local.get $d) (local.get $dstride)))
          (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $t1) (local.get $t3)))
        (v128.store (i32.add (local.get $d) (local.get $dstride))
          (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $t1) (local.get $t3)))
        (br_if $colBlocks (i32.lt_u (local.tee $c (i32.add (local.get $c) (i32.const 4))) (local.get $cols))))
      (br_if $rowBlocks (i32.lt_u (local.tee $r (i32.add (local.get $r) (i32.const 4))) (local.get $rows)))))

  ;; Drops the padding: rows of `cols` floats become rows of `width`, in place.
  (func $compact (param $field i32) (param $width i32) (param $height i32) (param $cols i32)
    (local $y i32)
    (loop $rows
      (if (i32.lt_u (local.tee $y (i32.add (local.get $y) (i32.const 1))) (local.get $height))
        (then
          (memory.copy
            (i32.add (local.get $field) (i32.shl (i32.mul (local.get $y) (local.get $width)) (i32.const 2)))
            (i32.add (local.get $field) (i32.shl (i32.mul (local.get $y) (local.get $cols)) (i32.const 2)))
            (i32.shl (local.get $width) (i32.const 2)))
          (br $rows)))))

  ;; Smooths the two drawn fields at tx and ty (transposed, as `draw` leaves them) along x with
  ;; the coefficients at `first`, then along y with those at `second` (which carry the gain),
  ;; leaving the fields row-major, `width * height` floats each, at fx and fy.
  (func (export "smooth") (param $width i32) (param $height i32) (param $first i32) (param $second i32) (param $line i32)
                          (param $tx i32) (param $ty i32) (param $fx i32) (param $fy i32)
    (local $wp i32) (local $hp i32)
    (local.set $wp (i32.and (i32.add (local.get $width) (i32.const 3)) (i32.const -4)))
    (local.set $hp (i32.and (i32.add (local.get $height) (i32.const 3)) (i32.const -4)))
    (call $columns (local.get $tx) (local.get $width) (local.get $hp) (local.get $line) (local.get $first))
    (call $columns (local.get $ty) (local.get $width) (local.get $hp) (local.get $line) (local.get $first))
    (call $transpose (local.get $tx) (local.get $fx) (local.get $wp) (local.get $hp))
    (call $transpose (local.get $ty) (local.get $fy) (local.get $wp) (local.get $hp))
    (call $columns (local.get $fx) (local.get $height) (local.get $wp) (local.get $line) (local.get $second))
    (call $columns (local.get $fy) (local.get $height) (local.get $wp) (local.get $line) (local.get $second))
    (if (i32.ne (local.get $width) (local.get $wp))
      (then
        (call $compact (local.get $fx) (local.get $width) (local.get $height) (local.get $wp))
        (call $compact (local.get $fy) (local.get $width) (local.get $height) (local.get $wp))))))
