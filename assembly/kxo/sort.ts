// see: torvalds/linux lib/sort.c (v6.11+) — bottom-up heapsort popping two at a time, the sift
// path taking the right child on ties; kernel sort() is unstable and ties decide negamax's moves
// (kxo §7). Sorts the i32 moves of one ply, higher history average first.
import { moveAt, setMoveAt, hsum, hcount } from './layout';

@inline function avg(m: i32): i32 {
  const c = hcount(m);
  return c ? hsum(m) / c : 0; // i32 division truncates toward zero, as C does
}
/** cmp(a, b) = avg(b) - avg(a) */
@inline function cmp(ply: i32, x: i32, y: i32): i32 {
  return avg(moveAt(ply, y)) - avg(moveAt(ply, x));
}
@inline function swap(ply: i32, x: i32, y: i32): void {
  const t = moveAt(ply, x);
  setMoveAt(ply, x, moveAt(ply, y));
  setMoveAt(ply, y, t);
}

export function kernelSort(ply: i32, num: i32): void {
  let n = num;
  let a = num >> 1;
  let shift = 0;
  if (!a) return;
  for (;;) {
    if (a) a -= 1 << shift;
    else if (n > 3) {
      n--;
      swap(ply, 0, n);
      shift = cmp(ply, 1, 2) <= 0 ? 1 : 0;
      a = 1 << shift;
      n--;
      swap(ply, a, n);
    } else break;
    let b = a;
    let c = 0;
    let d = 0;
    for (;;) {
      c = 2 * b + 1;
      d = c + 1;
      if (d >= n) break;
      b = cmp(ply, c, d) > 0 ? c : d;
    }
    if (d == n) b = c;
    while (b != a && cmp(ply, a, b) >= 0) b = (b - 1) >> 1;
    c = b;
    while (b != a) {
      b = (b - 1) >> 1;
      swap(ply, b, c);
    }
  }
  n--;
  swap(ply, 0, n);
  if (n == 2 && cmp(ply, 0, 1) > 0) swap(ply, 0, 1);
}
