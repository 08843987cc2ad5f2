// include/uapi: the C headers for the ABIs vchardev defines (the kxo extension, the share-pool
// test device, test_chrdev). A C program built against them prints every size, offset, ioctl
// number and constant; each must be what the kernel itself uses (the drivers' uapi modules).
import { describe, it, expect } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as K from '../../src/drivers/kxo/uapi.js';
import * as S from '../../src/drivers/sharepool/uapi.js';
import * as T from '../../src/drivers/testbus/uapi.js';

const at = (rel: string) => fileURLToPath(new URL(rel, import.meta.url));

describe('include/uapi/vchardev', () => {
  it('kxo.h, sharepool_test.h and testbus.h build with -Wall -Werror and agree with the kernel on every number', () => {
    const bin = join(mkdtempSync(join(tmpdir(), 'uapi-')), 'layout');
    execFileSync(process.env.CC || 'cc', ['-std=c11', '-Wall', '-Wextra', '-Werror', '-I', at('../../include/uapi'), '-o', bin, at('./layout.c')]);
    // "name value", where a name such as offsetof(struct kxo_board, cells) has spaces of its own
    const got = Object.fromEntries(execFileSync(bin, { encoding: 'utf8' }).trim().split('\n').map((l) => [l.slice(0, l.lastIndexOf(' ')), Number(l.slice(l.lastIndexOf(' ') + 1))]));
    const ai = (name: K.KxoAiKind) => K.KXO_AIS.indexOf(name);
    expect(got).toEqual({
      'sizeof(struct kxo_info)': K.KXO_INFO_SIZE,
      'sizeof(struct kxo_ai)': K.KXO_AI_SIZE,
      'sizeof(struct kxo_ctl)': K.KXO_CTL_SIZE,
      'sizeof(struct kxo_board)': K.KXO_BOARD_SIZE,
      'offsetof(struct kxo_board, cells)': K.KXO_BOARD_CELLS,
      'offsetof(struct kxo_board, moves)': K.KXO_BOARD_MOVES,
      KXO_GET_INFO: K.KXO_GET_INFO, KXO_SET_PROTO: K.KXO_SET_PROTO, KXO_SET_AI: K.KXO_SET_AI, KXO_GAME_CTL: K.KXO_GAME_CTL, KXO_GET_BOARD: K.KXO_GET_BOARD,
      KXO_PROTO_BOARDS: K.KXO_PROTO_BOARDS, KXO_PROTO_EVENTS: K.KXO_PROTO_EVENTS,
      KXO_CTL_PAUSE: K.KXO_CTL_PAUSE, KXO_CTL_RESUME: K.KXO_CTL_RESUME, KXO_CTL_RESTART: K.KXO_CTL_RESTART,
      KXO_STATE_PLAYING: K.KXO_STATE_PLAYING, KXO_STATE_PAUSED: K.KXO_STATE_PAUSED, KXO_STATE_OVER: K.KXO_STATE_OVER,
      KXO_AI_MCTS: ai('mcts'), KXO_AI_NEGAMAX: ai('negamax'), KXO_AI_RANDOM: ai('random'), KXO_AI_STRONG: ai('strong'), KXO_AI_HUMAN: ai('human'),
      KXO_EV_X: K.KXO_EV_X, KXO_EV_START: K.KXO_EV_START, KXO_EV_O_WON: K.KXO_EV_O_WON, KXO_EV_X_WON: K.KXO_EV_X_WON, KXO_EV_DRAW: K.KXO_EV_DRAW,
      KXO_EV_OVERFLOW: K.KXO_EV_OVERFLOW, KXO_EV_OVERFLOW_GAME: K.KXO_EV_OVERFLOW_GAME, KXO_EVENT_QUEUE: K.KXO_EVENT_QUEUE,
      'sizeof(struct sp_add_group)': 8,
      'sizeof(struct sp_alloc_info)': 32, 'offsetof(struct sp_alloc_info, flag)': 8, 'offsetof(struct sp_alloc_info, spg_id)': 16, 'offsetof(struct sp_alloc_info, addr)': 24,
      'sizeof(struct sp_k2u)': 24, 'offsetof(struct sp_k2u, spg_id)': 8, 'offsetof(struct sp_k2u, fill)': 12, 'offsetof(struct sp_k2u, addr)': 16,
      'sizeof(struct sp_group_id)': 8,
      SP_IOCTL_ADD_GROUP: S.SP_IOCTL_ADD_GROUP, SP_IOCTL_ALLOC: S.SP_IOCTL_ALLOC, SP_IOCTL_FREE: S.SP_IOCTL_FREE, SP_IOCTL_K2U: S.SP_IOCTL_K2U, SP_IOCTL_GROUP_ID: S.SP_IOCTL_GROUP_ID,
      SPG_ID_NONE: S.SPG_ID_NONE, SPG_ID_DEFAULT: S.SPG_ID_DEFAULT, SPG_ID_MIN: S.SPG_ID_MIN, SPG_ID_MAX: S.SPG_ID_MAX,
      SPG_ID_AUTO_MIN: S.SPG_ID_AUTO_MIN, SPG_ID_AUTO_MAX: S.SPG_ID_AUTO_MAX, SPG_ID_AUTO: S.SPG_ID_AUTO,
      SPG_ID_DVPP_PASS_THROUGH_MIN: S.SPG_ID_DVPP_PASS_THROUGH_MIN, SPG_ID_DVPP_PASS_THROUGH_MAX: S.SPG_ID_DVPP_PASS_THROUGH_MAX, SPG_ID_DVPP_PASS_THROUGH: S.SPG_ID_DVPP_PASS_THROUGH,
      SP_HUGEPAGE: S.SP_HUGEPAGE, SP_HUGEPAGE_ONLY: S.SP_HUGEPAGE_ONLY, SP_DVPP: S.SP_DVPP,
      'sizeof(struct test_msg)': T.TestMsg.SIZE, 'offsetof(struct test_msg, from)': 4, 'offsetof(struct test_msg, len)': 8, 'offsetof(struct test_msg, buf)': 16,
      'sizeof(struct test_ioctl_data)': T.TestIoctlData.SIZE, 'offsetof(struct test_ioctl_data, msg)': 8,
      TEST_RDWR: T.TEST_RDWR, TEST_ERASE: T.TEST_ERASE, MSG_RD: T.MSG_RD, MSG_WR: T.MSG_WR,
    });
  });
});
