// sharepool's tracepoints (QEMU's trace-events habit): one name per event, `err_` for a refused
// input, emitted before the call returns.
export const SP_TRACE = {
  /** the last member of a group exited: the group is dead (sharepool §6) */
  groupDead: 'group-dead',
  /** a K2SPG area could not be remapped into a joining task (only logged, sharepool §4.11a) */
  k2uRemapFailed: 'k2u-remap-failed',
  /** the test device refused to act on another process (ptrace-style access) */
  errNoAccess: 'err_no_access',
  /** a k2u or alloc into a group the caller is not a member of */
  errNotMember: 'err_not_member',
  /** a process asked for more share-pool memory than its limit */
  errOverLimit: 'err_over_limit',
  /** areas still alive at module exit, torn down there */
  teardown: 'teardown',
} as const;
