// nvme's tracepoints (QEMU's hw/nvme/trace-events habit): one name per refused input, `err_`
// prefixed, emitted before the refusal returns. `vchardev --strace` prints them.
import type { PrpWalkError } from './prp.js';

export const NVME_TRACE = {
  /** NVME_IOCTL_ADMIN_CMD without CAP_SYS_ADMIN (-EACCES) */
  errNoCapSysAdmin: 'err_no_cap_sys_admin',
  /** the 72-byte command could not be copied in, or the result out (-EFAULT) */
  errCmdFault: 'err_cmd_fault',
  /** the user buffer could not be pinned or described (-EINVAL, -EFAULT, -ENOMEM) */
  errMapUser: 'err_map_user',
  /** a dma pool ran dry: fewer bytes described than asked, nothing submitted (-ENOMEM) */
  errPrpShort: 'err_prp_short',
  /** the command did not complete: timeout or fatal signal (-EINTR), no command id (-ENOMEM) */
  errCmdNotCompleted: 'err_cmd_not_completed',
  /** an ioctl number the driver does not know (-ENOTTY) */
  errUnknownIoctl: 'err_unknown_ioctl',
} as const;

/** The controller's PRP walk: one event per rule an entry broke. */
export const NVME_PRP_TRACE: Readonly<Record<PrpWalkError['rule'], string>> = Object.freeze({
  'prp2-offset': 'err_prp_prp2_offset',
  'list-entry-offset': 'err_prp_list_entry_offset',
  'chain-offset': 'err_prp_chain_offset',
  'list-read': 'err_prp_list_read',
  'data-range': 'err_prp_data_range',
  'too-many-segments': 'err_prp_too_many_segments',
});
