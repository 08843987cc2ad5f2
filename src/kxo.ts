// `vchardev/kxo`: the kxo engine on its own, no kernel needed. Bit-exact to sysprog21/kxo's C
// (negamax with its history heuristic and Zobrist table, MCTS in 8.8 fixed point, xoroshiro),
// compiled from AssemblyScript to WebAssembly.
//
//   import { KxoEngine } from 'vchardev/kxo';
//   const e = await KxoEngine.create();              // or { build: 'test' }, or { source }
//   e.negamaxPredict('                ', 'O');       // { score, move }
//   e.mcts('                ', 'X');                 // a cell 0..15; e.lastMcts has the tree
export { KxoEngine, type Player, type MctsStats, type KxoEngineOptions } from './wasm/kxo.js';
export { WasmAbort, EngineLoadError, type WasmBuild, type EngineSource } from './wasm/instance.js';
export { StrongEngine, type StrongEngineOptions, type Solution, type SolveProgress } from './wasm/strong.js';
export { createEngine, winnerOf, AI_NAMES, type Engine, type EngineOptions, type AiName, type PlayerEngine, type PlayerEngineOptions } from './wasm/engine.js';
export { PlayerFile, PlayerForfeit, PlayerLoadError, KXO_ABI_VERSION, type PlayerSource } from './wasm/player.js';
