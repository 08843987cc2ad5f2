// kxo's board text and sysfs state format (kxo §2, §5).
export const BOARD_SIZE = 4;
export const GOAL = 3;
export const N_GRIDS = BOARD_SIZE * BOARD_SIZE;
/** ((4*(4+1)) << 1) + 4*4 + ((4 << 1) + 1) + 1 = 66: sized by main.c's macro, no NUL stored */
export const DRAWBUFFER_SIZE = ((BOARD_SIZE * (BOARD_SIZE + 1)) << 1) + BOARD_SIZE * BOARD_SIZE + ((BOARD_SIZE << 1) + 1) + 1;

// see: sysprog21/kxo main.c draw_board — "\n\n", then per row "c|c|c|c\n-------\n"
export function drawBoard(table: string, out: Uint8Array = new Uint8Array(DRAWBUFFER_SIZE)): Uint8Array {
  let i = 0;
  let k = 0;
  out[i++] = 0x0a;
  out[i++] = 0x0a;
  while (i < DRAWBUFFER_SIZE) {
    for (let j = 0; j < (BOARD_SIZE << 1) - 1 && k < N_GRIDS; j++) out[i++] = j & 1 ? 0x7c : table.charCodeAt(k++);
    out[i++] = 0x0a;
    for (let j = 0; j < (BOARD_SIZE << 1) - 1; j++) out[i++] = 0x2d;
    out[i++] = 0x0a;
  }
  return out;
}

/** Reads a 66-byte board text back to the 16-cell string (for tools and tests); null if malformed. */
export function parseBoard(text: string): string | null {
  if (text.length !== DRAWBUFFER_SIZE || !text.startsWith('\n\n')) return null;
  let cells = '';
  for (let r = 0; r < BOARD_SIZE; r++) {
    const line = text.slice(2 + r * 16, 2 + r * 16 + 16);
    if (line.slice(7) !== '\n-------\n') return null;
    for (let c = 0; c < BOARD_SIZE; c++) {
      const ch = line[c * 2]!;
      if (ch !== ' ' && ch !== 'O' && ch !== 'X') return null;
      if (c < 3 && line[c * 2 + 1] !== '|') return null;
      cells += ch;
    }
  }
  return cells;
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
