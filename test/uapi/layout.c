/*
 * Built against include/uapi by test/uapi/headers.test.ts: the headers' sizes, offsets, ioctl
 * numbers and constants, one "name value" line each, for the test to compare with the kernel's
 * own (the TypeScript uapi modules). The sizes are asserted here too, so a wrong header fails to
 * build.
 */
#include <stddef.h>
#include <stdio.h>
#include <vchardev/kxo.h>
#include <vchardev/sharepool_test.h>
#include <vchardev/testbus.h>

_Static_assert(sizeof(struct kxo_board) == 72, "struct kxo_board");
_Static_assert(sizeof(struct sp_alloc_info) == 32, "struct sp_alloc_info");
_Static_assert(sizeof(struct test_msg) == 24, "struct test_msg");

#define SHOW(x) printf("%s %llu\n", #x, (unsigned long long)(x))
#define SHOW_SIGNED(x) printf("%s %lld\n", #x, (long long)(x))

int main(void)
{
	SHOW(sizeof(struct kxo_info));
	SHOW(sizeof(struct kxo_ai));
	SHOW(sizeof(struct kxo_ctl));
	SHOW(sizeof(struct kxo_board));
	SHOW(offsetof(struct kxo_board, cells));
	SHOW(offsetof(struct kxo_board, moves));
	SHOW(KXO_GET_INFO);
	SHOW(KXO_SET_PROTO);
	SHOW(KXO_SET_AI);
	SHOW(KXO_GAME_CTL);
	SHOW(KXO_GET_BOARD);
	SHOW(KXO_PROTO_BOARDS);
	SHOW(KXO_PROTO_EVENTS);
	SHOW(KXO_CTL_PAUSE);
	SHOW(KXO_CTL_RESUME);
	SHOW(KXO_CTL_RESTART);
	SHOW(KXO_STATE_PLAYING);
	SHOW(KXO_STATE_PAUSED);
	SHOW(KXO_STATE_OVER);
	SHOW(KXO_AI_MCTS);
	SHOW(KXO_AI_NEGAMAX);
	SHOW(KXO_AI_RANDOM);
	SHOW(KXO_AI_STRONG);
	SHOW(KXO_AI_HUMAN);
	SHOW(KXO_EV_X);
	SHOW(KXO_EV_START);
	SHOW(KXO_EV_O_WON);
	SHOW(KXO_EV_X_WON);
	SHOW(KXO_EV_DRAW);
	SHOW(KXO_EV_OVERFLOW);
	SHOW(KXO_EV_OVERFLOW_GAME);
	SHOW(KXO_EVENT_QUEUE);
	SHOW(sizeof(struct sp_add_group));
	SHOW(sizeof(struct sp_alloc_info));
	SHOW(offsetof(struct sp_alloc_info, flag));
	SHOW(offsetof(struct sp_alloc_info, spg_id));
	SHOW(offsetof(struct sp_alloc_info, addr));
	SHOW(sizeof(struct sp_k2u));
	SHOW(offsetof(struct sp_k2u, spg_id));
	SHOW(offsetof(struct sp_k2u, fill));
	SHOW(offsetof(struct sp_k2u, addr));
	SHOW(sizeof(struct sp_group_id));
	SHOW(SP_IOCTL_ADD_GROUP);
	SHOW(SP_IOCTL_ALLOC);
	SHOW(SP_IOCTL_FREE);
	SHOW(SP_IOCTL_K2U);
	SHOW(SP_IOCTL_GROUP_ID);
	SHOW_SIGNED(SPG_ID_NONE);
	SHOW(SPG_ID_DEFAULT);
	SHOW(SPG_ID_MIN);
	SHOW(SPG_ID_MAX);
	SHOW(SPG_ID_AUTO_MIN);
	SHOW(SPG_ID_AUTO_MAX);
	SHOW(SPG_ID_AUTO);
	SHOW(SPG_ID_DVPP_PASS_THROUGH_MIN);
	SHOW(SPG_ID_DVPP_PASS_THROUGH_MAX);
	SHOW(SPG_ID_DVPP_PASS_THROUGH);
	SHOW(SP_HUGEPAGE);
	SHOW(SP_HUGEPAGE_ONLY);
	SHOW(SP_DVPP);
	SHOW(sizeof(struct test_msg));
	SHOW(offsetof(struct test_msg, from));
	SHOW(offsetof(struct test_msg, len));
	SHOW(offsetof(struct test_msg, buf));
	SHOW(sizeof(struct test_ioctl_data));
	SHOW(offsetof(struct test_ioctl_data, msg));
	SHOW(TEST_RDWR);
	SHOW(TEST_ERASE);
	SHOW(MSG_RD);
	SHOW(MSG_WR);
	return 0;
}
