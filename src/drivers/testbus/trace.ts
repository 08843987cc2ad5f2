// testbus's tracepoints. The diagnostic events of testbus §3–§7 keep the spec's names (they
// surface the seed's bugs, B1–B7, instead of corrupting memory); refusals are `err_` prefixed and
// emitted before the call returns.
export const TESTBUS_TRACE = {
  /** B1: the pointer table of TEST_RDWR is num_msg bytes, not num_msg pointers (testbus §5) */
  rdwrTableOverflow: 'rdwr-table-overflow',
  /** B2: the early -EFAULT return leaks the buffers allocated so far */
  rdwrLeak: 'rdwr-leak',
  /** B3: an allocation failed; the loop was left and later messages carry no kernel buffer */
  rdwrUnprepared: 'rdwr-unprepared',
  /** the EEPROM's transfer met a message without a kernel buffer (after B3) */
  badKernelBuffer: 'bad-kernel-buffer',
  /** B6: a file outlived its bus device (open took no reference) */
  useAfterRemove: 'use-after-remove',
  /** a node for a hot-plugged device could not be made */
  nodeCreateFailed: 'node-create-failed',
  /** with hot-plug off, a removed device's node outlived it until unload (testbus §7) */
  staleNode: 'stale-node',
  /** TEST_RDWR with more than TEST_RDWR_MAX_MSGS messages (-EINVAL) */
  errRdwrTooManyMsgs: 'err_rdwr_too_many_msgs',
  /** open of a minor no bus device has (-ENODEV) */
  errNoDevice: 'err_no_device',
  /** an ioctl number test_chrdev does not know (-EINVAL, observed B9) */
  errUnknownIoctl: 'err_unknown_ioctl',
  /** a user buffer could not be copied (-EFAULT) */
  errFault: 'err_fault',
} as const;
