/*
 * kxo_ai.h: the kxo player ABI, version 1 (vchardev's docs/kxo-ai-abi.md), for players in C.
 * A player defines the functions below; the attributes export them under these names. Build:
 *
 *   clang --target=wasm32 -O2 -nostdlib -Wl,--no-entry -o player.wasm player.c
 *
 * (clang's wasm32 target and wasm-ld: Debian's clang and lld). The linker exports the memory as
 * "memory"; the player may import nothing (no libc: -nostdlib), and its memory may not exceed
 * 256 pages (16 MiB).
 */
#ifndef KXO_AI_H
#define KXO_AI_H

#include <stdint.h>

#define KXO_ABI_VERSION 1
/* the board buffer's cells: row * size + col, one ASCII byte each */
#define KXO_EMPTY ' '
#define KXO_O 'O'
#define KXO_X 'X'
#define KXO_BOARD_BYTES 64

#define KXO_EXPORT(name) __attribute__((export_name(#name), visibility("default")))

/* returns KXO_ABI_VERSION */
KXO_EXPORT(kxo_abi_version) int32_t kxo_abi_version(void);
/* the address of the 64-byte buffer the host fills before every move */
KXO_EXPORT(kxo_board) int32_t kxo_board(void);
/* the side to move (KXO_O or KXO_X) plays on a size x size board where goal in a row wins:
 * returns an empty cell's index */
KXO_EXPORT(kxo_move) int32_t kxo_move(int32_t size, int32_t goal, int32_t player);
/* optional: called once per game before its first move, with the game's seed */
KXO_EXPORT(kxo_init) void kxo_init(int64_t seed);
/* optional: the address of a NUL-terminated UTF-8 name of at most 32 bytes */
KXO_EXPORT(kxo_name) int32_t kxo_name(void);

#endif
