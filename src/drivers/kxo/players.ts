// Players students bring, in the kxo driver's games (docs/kxo-ai-abi.md §3, abi 'ext'): the `ai`
// parameter names player files beside the built-in AIs; they get the ai ids 5, 6, … in the order
// it names them. Each game side a player plays gets an instance of its own, in a worker of its
// own, started at that side's first move of a game (kxo_init gets a seed made from the game's)
// and ended when the game restarts, the side gets another AI, the player forfeits, or at rmmod.
import { PlayerFile, PlayerForfeit, PlayerLoadError, isPlayerFileName, type PlayerInstance } from '../../wasm/player.js';
import { splitmix64 } from '../../wasm/splitmix.js';
import { KXO_AIS } from './uapi.js';
import type { Game, Side } from './game.js';

/** struct kxo_ai.ai of the first player file; the built-ins are 0..4 */
export const KXO_AI_FIRST_PLAYER = KXO_AIS.length;
/**
 * proposal: docs/kxo-ai-abi.md §3 — game sides player files may play at once in one module: each
 * runs a worker of its own (an engine and its memory), so 64 games of two players would be 128
 */
export const MAX_PLAYER_SIDES = 32;

/** A player file named by the `ai` parameter. */
export interface KxoPlayer {
  /** its ai id (5, 6, …) */
  readonly id: number;
  /** its kxo_name, else the file's base name: spaces as '_', '-2', '-3', … after a name taken */
  readonly name: string;
  readonly file: PlayerFile;
}

/** An `ai` parameter entry that names a player file: a path ending in .wasm, or a URL. */
export function isPlayerEntry(entry: string): boolean {
  return isPlayerFileName(entry) || /^(blob|https?|file|data):/i.test(entry);
}

/**
 * Loads and checks the player files of the `ai` parameter, each once (the same entry twice is one
 * player): its bytes (PlayerFile), then an instance to ask its version, board and name, ended at
 * once. A refused file throws PlayerLoadError (EINVAL at insmod).
 */
export async function loadPlayers(entries: readonly string[], budgetMs: number): Promise<KxoPlayer[]> {
  const out: KxoPlayer[] = [];
  for (const entry of new Set(entries.filter(isPlayerEntry))) {
    const file = await PlayerFile.load(entry);
    const said = await file.probe(budgetMs);
    // one word: sysfs's ai and loadavg and debugfs's ai_times are space-separated fields; no
    // control character (they go to dmesg and terminals); never an ai id (a store takes ids)
    let base = said.replace(/[\s\x00-\x1f\x7f-\x9f]/g, '_');
    if (/^[0-9]+$/.test(base)) base = `p${base}`;
    let name = base;
    for (let n = 2; out.some((p) => p.name === name) || (KXO_AIS as readonly string[]).includes(name); n++) name = `${base}-${n}`;
    out.push({ id: KXO_AI_FIRST_PLAYER + out.length, name, file });
  }
  return out;
}

/** A game side's instance: starting, then started. */
interface SideInstance {
  round: number;
  inst: Promise<PlayerInstance>;
}

/**
 * The instances of one game's player sides. A game's `round` counts its starts, so a side's
 * instance belongs to one game (one round); its seed is the game's initial PRNG word, the round
 * and the side through splitmix64, so a module plays the same games on every run and pool size.
 */
export class PlayerSides {
  private readonly sides: [SideInstance | null, SideInstance | null] = [null, null];

  constructor(private readonly g: Game, private readonly budgetMs: number) {}

  /**
   * The player's move for the side to move, on the game's board: its cell, or a PlayerForfeit
   * (a timeout, a trap, an illegal cell, or an instance that could not start).
   */
  async move(player: KxoPlayer, side: Side, size: number, goal: number): Promise<{ move: number; ms: number }> {
    const i = side === 'O' ? 0 : 1;
    const round = this.g.round;
    let s = this.sides[i];
    if (!s || s.round !== round) {
      s?.inst.then((x) => x.close(), () => {});
      const seed = splitmix64(this.g.seed ^ (BigInt(round) << 1n) ^ BigInt(i));
      s = { round, inst: player.file.start({ seed, budgetMs: this.budgetMs }) };
      this.sides[i] = s;
    }
    let inst: PlayerInstance;
    try {
      inst = await s.inst;
    } catch (e) {
      throw new PlayerForfeit(player.name, e instanceof PlayerLoadError ? `did not start: ${e.why}` : String(e));
    }
    const move = await inst.move(this.g.board, size, goal, side);
    return { move, ms: inst.lastMs };
  }

  /** Ends side `i`'s instance (a new AI for it), or both (a restart, rmmod). */
  close(i?: 0 | 1): void {
    for (const j of i === undefined ? [0, 1] : [i]) {
      this.sides[j]?.inst.then((x) => x.close(), () => {});
      this.sides[j] = null;
    }
  }
}
