// `vchardev/dma`: the scatter-gather / NVMe PRP engine on its own, no kernel needed. It works on
// a WebAssembly.Memory you give it (the first MiB is the engine's own: data, stack and scratch):
// pin pages through two-level page tables in that memory, build PRP1/PRP2 and PRP lists from
// them as Linux 3.13's nvme_setup_prps does, and walk PRPs as a controller (QEMU's nvme_map_prp).
//
//   import { DmaEngine } from 'vchardev/dma';
//   const memory = new WebAssembly.Memory({ initial: 256, maximum: 256 }); // 16 MiB
//   const dma = await DmaEngine.create(memory);
//   const w = dma.walkPrps(0x200000n, 0x300000n, 8192);  // { status, nsegs, segs, error }
export { DmaEngine, PRP_RULES, type WalkResult } from './wasm/dma.js';
export { WasmAbort, EngineLoadError, type WasmBuild, type EngineSource } from './wasm/instance.js';
