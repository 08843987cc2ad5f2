/* SPDX-License-Identifier: MIT */
/*
 * The kxo extension's user ABI (docs/kxo-games.md), as vchardev's kxo driver implements it with
 * insmod abi 'ext': ioctls on /dev/kxo, their structs (packed, little-endian) and the 2-byte
 * events read() returns in protocol 1. kxo's own ABI (abi 'kxo') has no ioctl: a board text of
 * 2 + 4n² bytes per read (66 on kxo's 4x4) and /sys/class/kxo/kxo/kxo_state.
 */
#ifndef _UAPI_VCHARDEV_KXO_H
#define _UAPI_VCHARDEV_KXO_H

#include <linux/ioctl.h>
#include <linux/types.h>

/* kxo's board text on 4x4 (abi 'kxo', and protocol 0 of abi 'ext') */
#define KXO_BOARD_TEXT 66

struct kxo_info {
	__u8 games;      /* 1..64 */
	__u8 board_size; /* 3..8 */
	__u8 goal;       /* stones in a row that win, 3..board_size */
	__u8 proto;      /* this file's protocol: KXO_PROTO_* */
};

/* the AIs by number (struct kxo_ai.ai) */
#define KXO_AI_MCTS 0
#define KXO_AI_NEGAMAX 1
#define KXO_AI_RANDOM 2
#define KXO_AI_STRONG 3
#define KXO_AI_HUMAN 4 /* that side moves by write(fd, "<game> <cell>\n") */

struct kxo_ai {
	__u8 game;
	__u8 side; /* 0 O, 1 X */
	__u8 ai;   /* KXO_AI_* */
	__u8 pad;
};

#define KXO_CTL_PAUSE 0
#define KXO_CTL_RESUME 1
#define KXO_CTL_RESTART 2

struct kxo_ctl {
	__u8 game;
	__u8 op; /* KXO_CTL_* */
	__u8 pad[2];
};

#define KXO_STATE_PLAYING 0
#define KXO_STATE_PAUSED 1
#define KXO_STATE_OVER 2

struct kxo_board {
	__u8 game;      /* in */
	__u8 turn;      /* 'O' or 'X': the side to move */
	__u8 state;     /* KXO_STATE_* */
	__u8 winner;    /* ' ', 'O', 'X' or 'D' (a draw) */
	__u8 cells[64]; /* ' ', 'O', 'X'; board_size² of them used, row by row */
	__u32 moves;    /* moves played in this game */
};

#define KXO_PROTO_BOARDS 0 /* kxo's board texts of game 0 */
#define KXO_PROTO_EVENTS 1 /* 2-byte events [game, code] */

#define KXO_GET_INFO _IOR('x', 0, struct kxo_info)
#define KXO_SET_PROTO _IOW('x', 1, int)
#define KXO_SET_AI _IOW('x', 2, struct kxo_ai)
#define KXO_GAME_CTL _IOW('x', 3, struct kxo_ctl)
#define KXO_GET_BOARD _IOWR('x', 4, struct kxo_board)

/* event codes (the second byte): 0..63 O played that cell, 64..127 X played cell (code - 64) */
#define KXO_EV_X 64
#define KXO_EV_START 0x80
#define KXO_EV_O_WON 0x81
#define KXO_EV_X_WON 0x82
#define KXO_EV_DRAW 0x83
/* [KXO_EV_OVERFLOW_GAME, KXO_EV_OVERFLOW]: this file's queue lost events; KXO_GET_BOARD resyncs */
#define KXO_EV_OVERFLOW 0x84
#define KXO_EV_OVERFLOW_GAME 0xff
/* bytes of one open file's event queue */
#define KXO_EVENT_QUEUE 4096

#endif /* _UAPI_VCHARDEV_KXO_H */
