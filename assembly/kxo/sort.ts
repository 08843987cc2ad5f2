// see: torvalds/linux lib/sort.c (v6.11+) — bottom-up heapsort popping two at a time, the sift
// path taking the right child on ties; kernel sort() is unstable and ties decide negamax's moves
// (kxo §7). Sorts the i32 moves of one ply, higher history average first.
import { moveAt, setMoveAt, hsum, hcount, sortEntry, setSortEntry } from './layout';

@inline function avg(m: i32): i32 {
  const c = hcount(m);
  return c ? hsum(m) / c : 0; // i32 division truncates toward zero, as C does
}
/**
 * cmp(a, b) = avg(b) - avg(a), on keys worked out once before the sort (the history does not
 * change while it runs): the same comparisons as kxo's cmp, without two divisions in each. The
 * list is sorted as key << 32 | move, so a swap moves one word.
 */
@inline function cmp(x: i32, y: i32): i32 {
  return <i32>(sortEntry(y) >> 32) - <i32>(sortEntry(x) >> 32);
}
@inline function swap(x: i32, y: i32): void {
  const t = sortEntry(x);
  setSortEntry(x, sortEntry(y));
  setSortEntry(y, t);
}

export function kernelSort(ply: i32, num: i32): void {
  for (let i = 0; i < num; i++) {
    const m = moveAt(ply, i);
    setSortEntry(i, (<i64>avg(m) << 32) | <i64>m);
  }
  heapsort(num);
  for (let i = 0; i < num; i++) setMoveAt(ply, i, <i32>sortEntry(i));
}

function heapsort(num: i32): void {
  let n = num;
  let a = num >> 1;
  let shift = 0;
  if (!a) return;
  for (;;) {
    if (a) a -= 1 << shift;
    else if (n > 3) {
      n--;
      swap(0, n);
      shift = cmp(1, 2) <= 0 ? 1 : 0;
      a = 1 << shift;
      n--;
      swap(a, n);
    } else break;
    let b = a;
    let c = 0;
    let d = 0;
    for (;;) {
      c = 2 * b + 1;
      d = c + 1;
      if (d >= n) break;
      b = cmp(c, d) > 0 ? c : d;
    }
    if (d == n) b = c;
    while (b != a && cmp(a, b) >= 0) b = (b - 1) >> 1;
    c = b;
    while (b != a) {
      b = (b - 1) >> 1;
      swap(b, c);
    }
  }
  n--;
  swap(0, n);
  if (n == 2 && cmp(0, 1) > 0) swap(0, 1);
}
