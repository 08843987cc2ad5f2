// qat's tracepoints: one `err_` event per refused input of /dev/qat_dev_processes (qat §5–§8),
// emitted before the refusal returns.
export const QAT_TRACE = {
  /** open with no started accelerator (-EACCES) */
  errNoStartedDevice: 'err_no_started_device',
  /** a template of 0 or ADF_CFG_MAX_STR_LEN bytes or more (-EIO) */
  errTemplateLength: 'err_template_length',
  /** the template or the name could not be copied (-EIO, as the driver answers) */
  errFault: 'err_fault',
  /** a second write on one open file (-EBADF: the process must reopen) */
  errWriteTwice: 'err_write_twice',
  /** a signal while waiting for the device list (-EBADF, observed) */
  errInterrupted: 'err_interrupted',
  /** read before a name was assigned (-EIO) */
  errNotAssigned: 'err_not_assigned',
} as const;
