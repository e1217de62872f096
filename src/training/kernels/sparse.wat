;; The training step's sparse loops in WebAssembly SIMD (f32x4): the forward pass over a batch's
;; rows of the hidden kernel, the accumulation of their gradients and the lazy Adam update. They
;; read and write the kernel where it lives, in this module's memory (`HiddenTable`), rather than
;; a gathered copy. Pointers are byte offsets; `units` need not be a multiple of 4 (a scalar tail).
;; Built into sparse.wasm.ts by `npm run build:wasm`.
(module
  (import "env" "memory" (memory 1))

  ;; y[0..n) += a * x[0..n)
  (func $axpy (param $y i32) (param $x i32) (param $a f32) (param $n i32)
    (local $end i32) (local $va v128)
    (local.set $va (f32x4.splat (local.get $a)))
    (local.set $end (i32.add (local.get $y) (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 2))))
    (block $done
      (loop $vec
        (br_if $done (i32.ge_u (local.get $y) (local.get $end)))
        (v128.store (local.get $y)
          (f32x4.add (v128.load (local.get $y)) (f32x4.mul (local.get $va) (v128.load (local.get $x)))))
        (local.set $y (i32.add (local.get $y) (i32.const 16)))
        (local.set $x (i32.add (local.get $x) (i32.const 16)))
        (br $vec)))
    (local.set $end (i32.add (local.get $end) (i32.shl (i32.and (local.get $n) (i32.const 3)) (i32.const 2))))
    (block $done
      (loop $tail
        (br_if $done (i32.ge_u (local.get $y) (local.get $end)))
        (f32.store (local.get $y)
          (f32.add (f32.load (local.get $y)) (f32.mul (local.get $a) (f32.load (local.get $x)))))
        (local.set $y (i32.add (local.get $y) (i32.const 4)))
        (local.set $x (i32.add (local.get $x) (i32.const 4)))
        (br $tail))))

  ;; pre[b, :] = bias + sum over k < lengths[b] of weights[b, k] * table[unique[ids[b, k]], 0..units)
  ;; table rows are `stride` bytes apart; ids/weights are [size, width]; pre is [size, units].
  (func (export "forward")
    (param $table i32) (param $stride i32) (param $units i32) (param $unique i32)
    (param $ids i32) (param $weights i32) (param $lengths i32) (param $width i32) (param $size i32)
    (param $bias i32) (param $pre i32)
    (local $b i32) (local $k i32) (local $end i32) (local $out i32) (local $rowBytes i32)
    (local.set $rowBytes (i32.shl (local.get $units) (i32.const 2)))
    (block $done
      (loop $docs
        (br_if $done (i32.ge_u (local.get $b) (local.get $size)))
        (local.set $out (i32.add (local.get $pre) (i32.mul (local.get $b) (local.get $rowBytes))))
        (memory.copy (local.get $out) (local.get $bias) (local.get $rowBytes))
        (local.set $k (i32.mul (local.get $b) (local.get $width)))
        (local.set $end (i32.add (local.get $k)
          (i32.load (i32.add (local.get $lengths) (i32.shl (local.get $b) (i32.const 2))))))
        (block $row
          (loop $feats
            (br_if $row (i32.ge_u (local.get $k) (local.get $end)))
            (call $axpy (local.get $out)
              (i32.add (local.get $table) (i32.mul (local.get $stride)
                (i32.load (i32.add (local.get $unique) (i32.shl
                  (i32.load (i32.add (local.get $ids) (i32.shl (local.get $k) (i32.const 2))))
                  (i32.const 2))))))
              (f32.load (i32.add (local.get $weights) (i32.shl (local.get $k) (i32.const 2))))
              (local.get $units))
            (local.set $k (i32.add (local.get $k) (i32.const 1)))
            (br $feats)))
        (local.set $b (i32.add (local.get $b) (i32.const 1)))
        (br $docs))))

  ;; grad[ids[b, k], :] += weights[b, k] * dPre[b, :] for k < lengths[b]; grad is [unique, units]
  ;; and is zeroed first (`rows` rows).
  (func (export "accumulate")
    (param $grad i32) (param $rows i32) (param $units i32)
    (param $ids i32) (param $weights i32) (param $lengths i32) (param $width i32) (param $size i32)
    (param $dPre i32)
    (local $b i32) (local $k i32) (local $end i32) (local $from i32) (local $rowBytes i32)
    (local.set $rowBytes (i32.shl (local.get $units) (i32.const 2)))
    (memory.fill (local.get $grad) (i32.const 0) (i32.mul (local.get $rows) (local.get $rowBytes)))
    (block $done
      (loop $docs
        (br_if $done (i32.ge_u (local.get $b) (local.get $size)))
        (local.set $from (i32.add (local.get $dPre) (i32.mul (local.get $b) (local.get $rowBytes))))
        (local.set $k (i32.mul (local.get $b) (local.get $width)))
        (local.set $end (i32.add (local.get $k)
          (i32.load (i32.add (local.get $lengths) (i32.shl (local.get $b) (i32.const 2))))))
        (block $row
          (loop $feats
            (br_if $row (i32.ge_u (local.get $k) (local.get $end)))
            (call $axpy
              (i32.add (local.get $grad) (i32.mul (local.get $rowBytes)
                (i32.load (i32.add (local.get $ids) (i32.shl (local.get $k) (i32.const 2))))))
              (local.get $from)
              (f32.load (i32.add (local.get $weights) (i32.shl (local.get $k) (i32.const 2))))
              (local.get $units))
            (local.set $k (i32.add (local.get $k) (i32.const 1)))
            (br $feats)))
        (local.set $b (i32.add (local.get $b) (i32.const 1)))
        (br $docs))))

  ;; The kernel columns of rows 0..rows) of a table (rows `stride` bytes apart, `units` floats
  ;; each) set uniform in [-limit, limit) from mulberry32 at `state`, in row-major order, exactly
  ;; as `Rng.next()` draws them in JavaScript (the same f64 arithmetic, rounded to f32 on store).
  ;; Returns the generator's state after the last draw.
  (func (export "uniform")
    (param $table i32) (param $rows i32) (param $units i32) (param $stride i32) (param $limit f64)
    (param $state i32) (result i32)
    (local $r i32) (local $j i32) (local $p i32) (local $t i32)
    (block $done
      (loop $rowsLoop
        (br_if $done (i32.ge_u (local.get $r) (local.get $rows)))
        (local.set $p (i32.add (local.get $table) (i32.mul (local.get $r) (local.get $stride))))
        (local.set $j (i32.const 0))
        (block $rowDone
          (loop $cols
            (br_if $rowDone (i32.ge_u (local.get $j) (local.get $units)))
            (local.set $state (i32.add (local.get $state) (i32.const 0x6d2b79f5)))
            (local.set $t (i32.mul
              (i32.xor (local.get $state) (i32.shr_u (local.get $state) (i32.const 15)))
              (i32.or (local.get $state) (i32.const 1))))
            (local.set $t (i32.xor (local.get $t)
              (i32.add (local.get $t)
                (i32.mul
                  (i32.xor (local.get $t) (i32.shr_u (local.get $t) (i32.const 7)))
                  (i32.or (local.get $t) (i32.const 61))))))
            (f32.store (local.get $p)
              (f32.demote_f64 (f64.mul
                (f64.sub
                  (f64.mul
                    (f64.div
                      (f64.convert_i32_u (i32.xor (local.get $t) (i32.shr_u (local.get $t) (i32.const 14))))
                      (f64.const 4294967296))
                    (f64.const 2))
                  (f64.const 1))
                (local.get $limit))))
            (local.set $p (i32.add (local.get $p) (i32.const 4)))
            (local.set $j (i32.add (local.get $j) (i32.const 1)))
            (br $cols)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $rowsLoop)))
    (local.get $state))

  ;; Lazy Adam on rows unique[0..rows) of a table whose rows are [kernel | m | v], `units` each;
  ;; grad holds one row per entry of unique. `lr` already carries the bias corrections.
  (func (export "adam")
    (param $table i32) (param $units i32) (param $unique i32) (param $rows i32) (param $grad i32)
    (param $lr f32) (param $b1 f32) (param $b2 f32) (param $eps f32)
    (local $r i32) (local $w i32) (local $m i32) (local $v i32) (local $g i32)
    (local $end i32) (local $tail i32) (local $rowBytes i32) (local $stride i32)
    (local $vb1 v128) (local $vb2 v128) (local $vc1 v128) (local $vc2 v128) (local $vlr v128) (local $veps v128)
    (local $gg v128) (local $mm v128) (local $vv v128)
    (local $sg f32) (local $sm f32) (local $sv f32)
    (local.set $vb1 (f32x4.splat (local.get $b1)))
    (local.set $vb2 (f32x4.splat (local.get $b2)))
    (local.set $vc1 (f32x4.splat (f32.sub (f32.const 1) (local.get $b1))))
    (local.set $vc2 (f32x4.splat (f32.sub (f32.const 1) (local.get $b2))))
    (local.set $vlr (f32x4.splat (local.get $lr)))
    (local.set $veps (f32x4.splat (local.get $eps)))
    (local.set $rowBytes (i32.shl (local.get $units) (i32.const 2)))
    (local.set $stride (i32.mul (local.get $rowBytes) (i32.const 3)))
    (local.set $g (local.get $grad))
    (block $done
      (loop $rowsLoop
        (br_if $done (i32.ge_u (local.get $r) (local.get $rows)))
        (local.set $w (i32.add (local.get $table) (i32.mul (local.get $stride)
          (i32.load (i32.add (local.get $unique) (i32.shl (local.get $r) (i32.const 2)))))))
        (local.set $m (i32.add (local.get $w) (local.get $rowBytes)))
        (local.set $v (i32.add (local.get $m) (local.get $rowBytes)))
        (local.set $tail (i32.add (local.get $w) (local.get $rowBytes)))
        (local.set $end (i32.add (local.get $w) (i32.shl (i32.and (local.get $units) (i32.const -4)) (i32.const 2))))
        (block $vd
          (loop $vl
            (br_if $vd (i32.ge_u (local.get $w) (local.get $end)))
            (local.set $gg (v128.load (local.get $g)))
            (local.set $mm (f32x4.add (f32x4.mul (local.get $vb1) (v128.load (local.get $m)))
                                      (f32x4.mul (local.get $vc1) (local.get $gg))))
            (local.set $vv (f32x4.add (f32x4.mul (local.get $vb2) (v128.load (local.get $v)))
                                      (f32x4.mul (local.get $vc2) (f32x4.mul (local.get $gg) (local.get $gg)))))
            (v128.store (local.get $m) (local.get $mm))
            (v128.store (local.get $v) (local.get $vv))
            (v128.store (local.get $w) (f32x4.sub (v128.load (local.get $w))
              (f32x4.div (f32x4.mul (local.get $vlr) (local.get $mm))
                         (f32x4.add (f32x4.sqrt (local.get $vv)) (local.get $veps)))))
            (local.set $g (i32.add (local.get $g) (i32.const 16)))
            (local.set $w (i32.add (local.get $w) (i32.const 16)))
            (local.set $m (i32.add (local.get $m) (i32.const 16)))
            (local.set $v (i32.add (local.get $v) (i32.const 16)))
            (br $vl)))
        (block $sd
          (loop $sl
            (br_if $sd (i32.ge_u (local.get $w) (local.get $tail)))
            (local.set $sg (f32.load (local.get $g)))
            (local.set $sm (f32.add (f32.mul (local.get $b1) (f32.load (local.get $m)))
                                    (f32.mul (f32.sub (f32.const 1) (local.get $b1)) (local.get $sg))))
            (local.set $sv (f32.add (f32.mul (local.get $b2) (f32.load (local.get $v)))
                                    (f32.mul (f32.sub (f32.const 1) (local.get $b2)) (f32.mul (local.get $sg) (local.get $sg)))))
            (f32.store (local.get $m) (local.get $sm))
            (f32.store (local.get $v) (local.get $sv))
            (f32.store (local.get $w) (f32.sub (f32.load (local.get $w))
              (f32.div (f32.mul (local.get $lr) (local.get $sm)) (f32.add (f32.sqrt (local.get $sv)) (local.get $eps)))))
            (local.set $g (i32.add (local.get $g) (i32.const 4)))
            (local.set $w (i32.add (local.get $w) (i32.const 4)))
            (local.set $m (i32.add (local.get $m) (i32.const 4)))
            (local.set $v (i32.add (local.get $v) (i32.const 4)))
            (br $sl)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $rowsLoop))))
)
