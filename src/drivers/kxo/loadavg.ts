// A load average per AI, computed as Linux computes /proc/loadavg (kxo-games §5; see
// torvalds/linux kernel/sched/loadavg.c calc_load and fs/proc/loadavg.c): fixed point with 11
// fractional bits, an exponential decay sampled every LOAD_FREQ.

export const FSHIFT = 11;
export const FIXED_1 = 1 << FSHIFT;
/** 1/exp(5s/1min), 1/exp(5s/5min), 1/exp(5s/15min) in fixed point */
export const EXP_1 = 1884;
export const EXP_5 = 2014;
export const EXP_15 = 2037;
/** the sampling period, 5 s of the kernel clock */
export const LOAD_FREQ_MS = 5000;

/**
 * calc_load: load·exp + active·(FIXED_1 − exp), rounded up when the load is rising
 * (`active >= load` adds FIXED_1 − 1 before the division), then divided by FIXED_1.
 */
export function calcLoad(load: number, exp: number, active: number): number {
  let newload = load * exp + active * (FIXED_1 - exp);
  if (active >= load) newload += FIXED_1 - 1;
  return Math.floor(newload / FIXED_1);
}

export const LOAD_INT = (x: number): number => x >>> FSHIFT;
export const LOAD_FRAC = (x: number): number => LOAD_INT((x & (FIXED_1 - 1)) * 100);

/** "%lu.%02lu" of one average, after adding FIXED_1/200 for rounding as loadavg_proc_show does */
export function formatLoad(x: number): string {
  const a = x + Math.floor(FIXED_1 / 200);
  return `${LOAD_INT(a)}.${String(LOAD_FRAC(a)).padStart(2, '0')}`;
}

/** The order loadavg lists the AIs in. */
export const LOAD_ORDER: readonly string[] = ['mcts', 'negamax', 'random', 'strong'];

/** avenrun[3] for one AI plus the busy time of the period under way. */
export interface AiLoad {
  avenrun: [number, number, number];
  busyMs: number;
  played: boolean;
}

export class LoadAverages {
  readonly per = new Map<string, AiLoad>();

  /** The built-in AIs, then the player files by name (ai ids 5..): the order loadavg lists them. */
  constructor(players: readonly string[] = []) {
    for (const ai of [...LOAD_ORDER, ...players]) this.per.set(ai, { avenrun: [0, 0, 0], busyMs: 0, played: false });
  }

  /** Charges one move's compute time to its AI. */
  charge(ai: string, ms: number): void {
    const l = this.per.get(ai);
    if (!l) return;
    l.busyMs += ms;
    l.played = true;
  }
  /** One LOAD_FREQ sample: active = busy ms × FIXED_1 / 5000 (integer), then the three decays. */
  sample(): void {
    for (const l of this.per.values()) {
      const active = Math.floor((l.busyMs * FIXED_1) / LOAD_FREQ_MS);
      l.busyMs = 0;
      l.avenrun = [calcLoad(l.avenrun[0], EXP_1, active), calcLoad(l.avenrun[1], EXP_5, active), calcLoad(l.avenrun[2], EXP_15, active)];
    }
  }
  /** The loadavg file: "<ai> <1min> <5min> <15min>\n" for each AI that has played since load. */
  show(): string {
    let s = '';
    for (const [ai, l] of this.per) if (l.played) s += `${ai} ${l.avenrun.map(formatLoad).join(' ')}\n`;
    return s;
  }
}
