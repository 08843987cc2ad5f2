// Which implementation runs kxo's search: the WASM engine (assembly/kxo) or the plain-TypeScript
// one. Both reproduce kxo's C move for move; they differ only in speed.
import { KxoEngineTs } from './engine-ts.js';

export type EngineKind = 'wasm' | 'ts';

/** What the driver needs of an engine. */
export interface KxoSearch {
  negamaxPredict(board: string, player: 'O' | 'X'): { score: number; move: number };
  mcts(board: string, player: 'O' | 'X'): number;
}

/** The engine used when a caller does not choose. */
export const DEFAULT_ENGINE: EngineKind = 'ts';

/** Compiled module for engines that have one (shared with workers), else null. */
export async function compileEngine(_kind: EngineKind, _build: 'release' | 'test'): Promise<WebAssembly.Module | null> {
  return null;
}

export async function loadEngine(kind: EngineKind, _build: 'release' | 'test', _module?: WebAssembly.Module | null): Promise<KxoSearch> {
  if (kind === 'wasm') throw new Error('the WASM kxo engine is not built into this version');
  return new KxoEngineTs();
}
