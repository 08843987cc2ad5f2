// kxo's search runs in the WASM engine (assembly/kxo via src/wasm/kxo.ts); a worker receives the
// compiled Module rather than bytes or a path.
import { KxoEngine } from '../../wasm/kxo.js';
import type { EngineSource } from '../../wasm/instance.js';

/** What the driver needs of an engine. */
export interface KxoSearch {
  negamaxPredict(board: string, player: 'O' | 'X'): { score: number; move: number };
  mcts(board: string, player: 'O' | 'X'): number;
}

export function compileEngine(build: 'release' | 'test', source?: EngineSource): Promise<WebAssembly.Module> {
  return KxoEngine.compile(build, source);
}

export function loadEngine(build: 'release' | 'test', module?: WebAssembly.Module | null): Promise<KxoSearch> {
  return module ? KxoEngine.fromModule(module, build) : KxoEngine.create({ build });
}
