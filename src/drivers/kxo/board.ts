// kxo's board text and sysfs state format (kxo §2, §5), for any board size (kxo-games §1).
export const BOARD_SIZE = 4;
export const GOAL = 3;
export const N_GRIDS = BOARD_SIZE * BOARD_SIZE;

/**
 * Bytes of one board text: "\n\n" then per row "c|c|…|c\n" and 2n−1 dashes with "\n", 2 + 4n².
 * deviation: kxo §5 — main.c sizes the buffer with ((n(n+1)) << 1) + n² + ((n << 1) + 1) + 1,
 * which equals the text only at n = 4 (66); for other sizes the text itself is the measure.
 */
export const drawBufferSize = (size: number): number => 2 + 4 * size * size;
/** 66: kxo's board text */
export const DRAWBUFFER_SIZE = drawBufferSize(BOARD_SIZE);

// see: sysprog21/kxo main.c draw_board — "\n\n", then per row "c|c|c|c\n-------\n"
export function drawBoard(table: string, out?: Uint8Array, size = BOARD_SIZE): Uint8Array {
  const buf = out ?? new Uint8Array(drawBufferSize(size));
  let i = 0;
  let k = 0;
  buf[i++] = 0x0a;
  buf[i++] = 0x0a;
  for (let r = 0; r < size; r++) {
    for (let j = 0; j < (size << 1) - 1; j++) buf[i++] = j & 1 ? 0x7c : table.charCodeAt(k++);
    buf[i++] = 0x0a;
    for (let j = 0; j < (size << 1) - 1; j++) buf[i++] = 0x2d;
    buf[i++] = 0x0a;
  }
  return buf;
}

/** Reads a board text back to its size² cells (for tools and tests); null if malformed. */
export function parseBoard(text: string, size = BOARD_SIZE): string | null {
  if (text.length !== drawBufferSize(size) || !text.startsWith('\n\n')) return null;
  const w = 4 * size;
  const rule = `\n${'-'.repeat(2 * size - 1)}\n`;
  let cells = '';
  for (let r = 0; r < size; r++) {
    const line = text.slice(2 + r * w, 2 + (r + 1) * w);
    if (line.slice(2 * size - 1) !== rule) return null;
    for (let c = 0; c < size; c++) {
      const ch = line[c * 2]!;
      if (ch !== ' ' && ch !== 'O' && ch !== 'X') return null;
      if (c < size - 1 && line[c * 2 + 1] !== '|') return null;
      cells += ch;
    }
  }
  return cells;
}

/** kxo's move notation: column letter, then row number from 1 ("B4" = row 3, column 1). */
export function cellName(cell: number, size = BOARD_SIZE): string {
  return `${String.fromCharCode(65 + (cell % size))}${Math.floor(cell / size) + 1}`;
}

/**
 * A cell as a user writes it (kxo-games §4): "B2", "b2" or a decimal index. @returns the index
 * (possibly off the board: the caller range-checks), or null when the text is not a cell at all
 */
export function parseCell(text: string, size: number): number | null {
  let m = /^([A-Za-z])([0-9]{1,3})$/.exec(text);
  if (m) {
    const col = m[1]!.toUpperCase().charCodeAt(0) - 65;
    const row = Number(m[2]) - 1;
    return col < size && row >= 0 && row < size ? row * size + col : Number.MAX_SAFE_INTEGER;
  }
  m = /^[0-9]{1,9}$/.exec(text);
  return m ? Number(text) : null;
}

export interface KxoAttr {
  display: string;
  resume: string;
  end: string;
}

/** kxo_state_show: snprintf(buf, 7, "%c %c %c\n") — always 6 bytes. */
export function showState(a: KxoAttr): string {
  return `${a.display} ${a.resume} ${a.end}\n`;
}

/**
 * kxo_state_store: sscanf(buf, "%c %c %c"). %c takes any byte (whitespace too); each ' ' in the
 * format skips zero or more whitespace; the NUL-terminated input ends the scan early, leaving
 * later fields untouched. No validation (observed: kxo §2).
 */
export function storeState(a: KxoAttr, text: string): void {
  const s = text.split('\0', 1)[0]!;
  const isSpace = (c: string) => c === ' ' || (c >= '\t' && c <= '\r');
  let i = 0;
  const fields: Array<keyof KxoAttr> = ['display', 'resume', 'end'];
  for (let f = 0; f < fields.length; f++) {
    if (f > 0) while (i < s.length && isSpace(s[i]!)) i++;
    if (i >= s.length) return;
    a[fields[f]!] = s[i++]!;
  }
}
