// The QAT user-space side of /dev/qat_dev_processes (adf_process_proxy.c, qat §9): what a QAT
// application's library does at start to get its own config section name.
import { KernelError, EBUSY, EINVAL } from '../kernel/errno.js';
import type { Process } from './process.js';

/** The device node and the longest name (ADF_CFG_MAX_STR_LEN) of qat §2. */
export const QAT_DEV_PROCESSES = '/dev/qat_dev_processes';
const ADF_CFG_MAX_STR_LEN = 128;

/**
 * The user side (adf_process_proxy.c, qat §9): open, write the template, read the name.
 * @returns { name, fd } — the fd stays open for the process's lifetime; throws when no slot is free
 */
export async function adfUserProcessStart(proc: Process, template: string): Promise<{ name: string; fd: number }> {
  if (typeof template !== 'string' || !template || template.length >= ADF_CFG_MAX_STR_LEN) throw new KernelError(EINVAL, 'adfUserProcessStart', `bad template ${JSON.stringify(template)}`);
  const fd = await proc.open(QAT_DEV_PROCESSES, 2);
  const buf = proc.mmap(4096);
  try {
    proc.poke(buf, template);
    const r = await proc.write(fd, buf, template.length);
    if (r !== 0) throw new KernelError(EBUSY, 'adfUserProcessStart', `${template}: no free instance (write returned ${r})`);
    proc.poke(buf, new Uint8Array(ADF_CFG_MAX_STR_LEN));
    await proc.read(fd, buf, ADF_CFG_MAX_STR_LEN);
    const bytes = proc.peek(buf, ADF_CFG_MAX_STR_LEN);
    const end = bytes.indexOf(0);
    return { name: String.fromCharCode(...bytes.subarray(0, end < 0 ? bytes.length : end)), fd };
  } catch (e) {
    await proc.close(fd).catch(() => {});
    throw e;
  } finally {
    proc.munmap(buf, 4096);
  }
}
