/* User-space stand-ins for the kernel types kxo's C uses (bench/kxo-own: timing kxo's own sources). */
#ifndef KXO_OWN_TYPES_H
#define KXO_OWN_TYPES_H
#include <stddef.h>
#include <stdint.h>
typedef uint64_t u64;
typedef uint32_t u32;
typedef uint16_t u16;
typedef uint8_t u8;
typedef int64_t s64;
typedef int32_t s32;
typedef int8_t s8;
typedef unsigned __int128 u128;
#endif
