;; The byte-to-value lookup kernel: dst[k] = table[src[k]], the whole of normalisation (and,
;; after a gather into src, of shuffle's copy too). lookup.ts stages the bytes into this memory
;; and copies the values out.
;;
;; Source of lookup.wasm.ts: after editing, run `pnpm --filter @idxflow/transforms wasm`;
;; test/transforms/kernels/wasm.test.ts fails while the two differ.
;;
;; Why WebAssembly for a table lookup: it is faster than the same loop in JavaScript on images
;; gathered from a shuffled epoch, lookup.ts's staging and copying included, and a JavaScript
;; version moving the values as 32-bit integers (no float loads) was no faster
;; (docs/benchmarks.md has the figures).
;;
;; The same on every machine: table entries are moved as 32-bit words, never as floats, so no
;; value is converted or canonicalised, and byte order does not matter (the table is written
;; and the values read in the host's order, by typed arrays).
(module
  (memory (export "memory") 3)

  ;; For k < n: the four bytes at table + 4 src[k] to dst + 4 k. Four source bytes per load
  ;; (WebAssembly loads are little-endian: the byte at src is the low one), then one at a time.
  (func $lookup (export "lookup") (param $src i32) (param $n i32) (param $dst i32) (param $table i32)
    (local $end i32) (local $words i32) (local $w i32)
    (local.set $end (i32.add (local.get $src) (local.get $n)))
    (local.set $words (i32.add (local.get $src) (i32.and (local.get $n) (i32.const -4))))
    (block $tail
      (loop $word
        (br_if $tail (i32.ge_u (local.get $src) (local.get $words)))
        (local.set $w (i32.load (local.get $src)))
        (i32.store offset=0 (local.get $dst)
          (i32.load (i32.add (local.get $table) (i32.shl (i32.and (local.get $w) (i32.const 255)) (i32.const 2)))))
        (i32.store offset=4 (local.get $dst)
          (i32.load (i32.add (local.get $table) (i32.and (i32.shr_u (local.get $w) (i32.const 6)) (i32.const 1020)))))
        (i32.store offset=8 (local.get $dst)
          (i32.load (i32.add (local.get $table) (i32.and (i32.shr_u (local.get $w) (i32.const 14)) (i32.const 1020)))))
        (i32.store offset=12 (local.get $dst)
          (i32.load (i32.add (local.get $table) (i32.and (i32.shr_u (local.get $w) (i32.const 22)) (i32.const 1020)))))
        (local.set $src (i32.add (local.get $src) (i32.const 4)))
        (local.set $dst (i32.add (local.get $dst) (i32.const 16)))
        (br $word)))
    (block $done
      (loop $byte
        (br_if $done (i32.ge_u (local.get $src) (local.get $end)))
        (i32.store (local.get $dst)
          (i32.load (i32.add (local.get $table) (i32.shl (i32.load8_u (local.get $src)) (i32.const 2)))))
        (local.set $src (i32.add (local.get $src) (i32.const 1)))
        (local.set $dst (i32.add (local.get $dst) (i32.const 4)))
        (br $byte))))
)
