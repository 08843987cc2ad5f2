/* SPDX-License-Identifier: MIT */
/*
 * vchardev's share-pool test device, /dev/sharepool_test (modelled on openEuler's share pool test
 * suite driver): ioctls that call sp_group_add_task, sp_alloc, sp_free and sp_make_share_k2u for
 * the caller. Little-endian, 64-bit; the numbers and layouts are vchardev's own.
 */
#ifndef _UAPI_VCHARDEV_SHAREPOOL_TEST_H
#define _UAPI_VCHARDEV_SHAREPOOL_TEST_H

#include <linux/ioctl.h>
#include <linux/types.h>

/* group ids (include/linux/share_pool.h) */
#define SPG_ID_NONE (-1)
#define SPG_ID_DEFAULT 0
#define SPG_ID_MIN 1
#define SPG_ID_MAX 99999
#define SPG_ID_AUTO_MIN 100000
#define SPG_ID_AUTO_MAX 199999
#define SPG_ID_AUTO 200000
#define SPG_ID_DVPP_PASS_THROUGH_MIN 800000
#define SPG_ID_DVPP_PASS_THROUGH_MAX 899999
#define SPG_ID_DVPP_PASS_THROUGH 900000

/* sp_alloc flags */
#define SP_HUGEPAGE (1 << 0)
#define SP_HUGEPAGE_ONLY (1 << 1)
#define SP_DVPP (1 << 2)

struct sp_add_group {
	__s32 pid;
	__s32 spg_id; /* the group to join, or SPG_ID_AUTO / SPG_ID_DVPP_PASS_THROUGH */
};

struct sp_alloc_info {
	__u64 size;
	__u64 flag;   /* SP_* */
	__s32 spg_id; /* unused: the caller's group */
	__u32 pad;
	__u64 addr;   /* out */
};

struct sp_k2u {
	__u64 size;
	__s32 spg_id; /* -1: to the caller only */
	__u32 fill;   /* the byte the kernel pages hold */
	__u64 addr;   /* out */
};

struct sp_group_id {
	__s32 pid;
	__s32 spg_id; /* out */
};

/* each returns 0 or -1 with errno, except ADD_GROUP, which returns the group id */
#define SP_IOCTL_ADD_GROUP _IOWR('s', 1, struct sp_add_group)
#define SP_IOCTL_ALLOC _IOWR('s', 2, struct sp_alloc_info)
#define SP_IOCTL_FREE _IOW('s', 3, __u64)
#define SP_IOCTL_K2U _IOWR('s', 4, struct sp_k2u)
#define SP_IOCTL_GROUP_ID _IOWR('s', 5, struct sp_group_id)

#endif /* _UAPI_VCHARDEV_SHAREPOOL_TEST_H */
