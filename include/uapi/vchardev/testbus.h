/* SPDX-License-Identifier: MIT */
/*
 * test_chrdev's user ABI (/dev/<name>-<id> on vchardev's test_bus): batched reads and writes of
 * the device's memory with TEST_RDWR, and TEST_ERASE. Little-endian, 64-bit.
 */
#ifndef _UAPI_VCHARDEV_TESTBUS_H
#define _UAPI_VCHARDEV_TESTBUS_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define MSG_RD 0x1 /* device → buf */
#define MSG_WR 0x2 /* buf → device */

struct test_msg {
	__u32 flag; /* MSG_RD or MSG_WR */
	__u32 from; /* offset in the device */
	__u32 len;
	__u32 pad;
	__u64 buf;  /* a user pointer */
};

struct test_ioctl_data {
	__u32 num_msg;
	__u32 pad;
	__u64 msg;  /* a user pointer to num_msg struct test_msg */
};

#define TEST_RDWR _IOWR('t', 1, struct test_ioctl_data)
#define TEST_ERASE _IO('t', 2)

#endif /* _UAPI_VCHARDEV_TESTBUS_H */
