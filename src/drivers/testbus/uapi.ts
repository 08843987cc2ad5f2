// The test_chrdev ABI (testbus §5, proposal: the seed shows field names only), little-endian, 64-bit.
import { _IO, _IOWR } from '../../kernel/ioctl.js';

export const MSG_RD = 0x1;
export const MSG_WR = 0x2;

/** struct test_msg, 24 bytes: flag u32 @0, from u32 @4, len u32 @8, pad, buf u64 @16 */
export const TestMsg = {
  SIZE: 24,
  read: (v: DataView, p: number) => ({
    flag: v.getUint32(p, true), from: v.getUint32(p + 4, true), len: v.getUint32(p + 8, true), buf: v.getBigUint64(p + 16, true),
  }),
  write(v: DataView, p: number, m: { flag: number; from: number; len: number; buf: bigint | number }): void {
    v.setUint32(p, m.flag, true);
    v.setUint32(p + 4, m.from, true);
    v.setUint32(p + 8, m.len, true);
    v.setUint32(p + 12, 0, true);
    v.setBigUint64(p + 16, BigInt(m.buf), true);
  },
};

/** struct test_ioctl_data, 16 bytes: num_msg u32 @0, pad, msg u64 @8 */
export const TestIoctlData = {
  SIZE: 16,
  read: (v: DataView, p: number) => ({ numMsg: v.getUint32(p, true), msg: v.getBigUint64(p + 8, true) }),
  write(v: DataView, p: number, d: { numMsg: number; msg: bigint | number }): void {
    v.setUint32(p, d.numMsg, true);
    v.setUint32(p + 4, 0, true);
    v.setBigUint64(p + 8, BigInt(d.msg), true);
  },
};

/** 0xC0107401 */
export const TEST_RDWR = _IOWR('t', 1, TestIoctlData.SIZE);
/** 0x7402 */
export const TEST_ERASE = _IO('t', 2);
