// `vchardev nvme …`: nvme-cli's admin commands against /dev/nvme0, through the Process API only
// (mmap a buffer, build struct nvme_admin_cmd, ioctl). Several commands may run in one kernel,
// joined by "+", e.g. `nvme fw-download /dev/nvme0 -f img.bin + fw-commit /dev/nvme0 -s 2 -a 1`.
import { Kernel, O_RDONLY, KernelError, type Process } from '../index.js';
import { NVME_IOCTL_ADMIN_CMD, NvmeAdminCmd, asciiField, type NvmeAdminCmdFields } from '../drivers/nvme/uapi.js';
import * as S from '../drivers/nvme/uapi.js';
import { CliError, UsageError, describeError, exitCodeOf, intOption, parse, readBounded } from './args.js';
import { FW_IMAGE_MAX } from '../drivers/nvme/ctrl/firmware.js';

export const NVME_USAGE = `usage: vchardev nvme <command> <device> [options] [+ <command> <device> …]

commands (nvme-cli's names and options):
  id-ctrl <dev>                      Identify Controller
  id-ns <dev> [-n nsid]              Identify Namespace (default nsid 1)
  smart-log <dev>                    SMART / health information log
  fw-log <dev>                       firmware slot information log
  error-log <dev>                    error information log
  get-feature <dev> -f fid [-s sel]  Get Features (-f is required)
  set-feature <dev> -f fid [-V val]  Set Features (-f is required)
  fw-download <dev> -f file | --size bytes [-x xfer] [-O offset]
                                     Firmware Image Download (--size: a generated image)
  fw-commit <dev> [-s slot] [-a action]
  admin-passthru <dev> -O opcode [-n nsid] [--cdw10 N …] [-l data-len] [-r]

output (id-ctrl, id-ns, smart-log, fw-log, error-log):
  -o, --output-format normal|json|binary   -b, --raw-binary   -H, --human-readable
An NVMe status is printed by name on stderr. Any failure (a usage error, a missing device, an
NVMe status) exits 1, as nvme-cli 2.3 does.`;

export interface NvmeIo {
  /** --debug: an error's stack after its line */
  debug?: boolean;
  write(text: string): void;
  /** stderr (status lines); defaults to write */
  writeErr?(text: string): void;
  /** raw bytes for -o binary; defaults to a hex dump through write */
  writeBytes?(bytes: Uint8Array): void;
  /** reads a file of at most `max` bytes (a larger one, or an endless one like /dev/zero, is an error) */
  readFile?(path: string, max: number): Promise<Uint8Array>;
}

/** One admin command through the ioctl: @returns the ioctl result (status), CQE DW0, and the data. */
export async function adminCmd(p: Process, fd: number, cmd: Partial<NvmeAdminCmdFields>, data?: Uint8Array, dataLen = data?.length ?? 0) {
  const len = Math.max(4096, NvmeAdminCmd.SIZE + dataLen + 4096);
  const base = p.mmap(len);
  try {
    const dataAddr = base + 4096;
    if (data) p.poke(dataAddr, data);
    const raw = new Uint8Array(NvmeAdminCmd.SIZE);
    NvmeAdminCmd.write(new DataView(raw.buffer), { ...cmd, addr: dataLen ? BigInt(dataAddr) : 0n, dataLen });
    p.poke(base, raw);
    const status = await p.ioctl(fd, NVME_IOCTL_ADMIN_CMD, base);
    const back = NvmeAdminCmd.read(new DataView(p.peek(base, NvmeAdminCmd.SIZE).buffer));
    return { status, result: back.result, data: dataLen ? p.peek(dataAddr, dataLen) : new Uint8Array(0) };
  } finally {
    p.munmap(base, len);
  }
}

const hex = (n: number | bigint) => `0x${n.toString(16)}`;
const row = (name: string, value: string) => `${name.padEnd(10)}: ${value}\n`;

export function formatIdCtrl(b: Uint8Array): string {
  const v = new DataView(b.buffer, b.byteOffset);
  let s = 'NVME Identify Controller:\n';
  s += row('vid', hex(v.getUint16(0, true)));
  s += row('ssvid', hex(v.getUint16(2, true)));
  s += row('sn', asciiField(b, 4, 20).padEnd(20));
  s += row('mn', asciiField(b, 24, 40).padEnd(40));
  s += row('fr', asciiField(b, 64, 8).padEnd(8));
  s += row('rab', String(b[72]));
  s += row('ieee', [b[75], b[74], b[73]].map((x) => x!.toString(16).padStart(2, '0')).join(''));
  s += row('cmic', hex(b[76]!));
  s += row('mdts', String(b[77]));
  s += row('cntlid', hex(v.getUint16(78, true)));
  s += row('ver', hex(v.getUint32(80, true)));
  s += row('oacs', hex(v.getUint16(256, true)));
  s += row('acl', String(b[258]));
  s += row('aerl', String(b[259]));
  s += row('frmw', hex(b[260]!));
  s += row('lpa', hex(b[261]!));
  s += row('elpe', String(b[262]));
  s += row('npss', String(b[263]));
  s += row('sqes', hex(b[512]!));
  s += row('cqes', hex(b[513]!));
  s += row('nn', String(v.getUint32(516, true)));
  s += row('oncs', hex(v.getUint16(520, true)));
  s += row('vwc', hex(b[525]!));
  s += `ps      0 : mp:${(v.getUint16(2048, true) / 100).toFixed(2)}W operational\n`;
  return s;
}

export function formatIdNs(b: Uint8Array, nsid: number): string {
  const v = new DataView(b.buffer, b.byteOffset);
  let s = `NVME Identify Namespace ${nsid}:\n`;
  s += row('nsze', hex(v.getBigUint64(0, true)));
  s += row('ncap', hex(v.getBigUint64(8, true)));
  s += row('nuse', hex(v.getBigUint64(16, true)));
  s += row('nsfeat', hex(b[24]!));
  s += row('nlbaf', String(b[25]));
  s += row('flbas', hex(b[26]!));
  for (let i = 0; i <= b[25]!; i++) {
    s += `lbaf ${String(i).padStart(2)} : ms:${v.getUint16(128 + 4 * i, true)}   lbads:${b[130 + 4 * i]} rp:${hex(b[131 + 4 * i]!)}${i === (b[26]! & 0xf) ? ' (in use)' : ''}\n`;
  }
  return s;
}

export function formatSmart(b: Uint8Array): string {
  const v = new DataView(b.buffer, b.byteOffset);
  const u64 = (o: number) => v.getBigUint64(o, true).toString();
  let s = 'Smart Log for NVME device:nvme0 namespace-id:ffffffff\n';
  s += `critical_warning                        : ${b[0]}\n`;
  s += `temperature                             : ${v.getUint16(1, true) - 273} C (${v.getUint16(1, true)} Kelvin)\n`;
  s += `available_spare                         : ${b[3]}%\n`;
  s += `available_spare_threshold               : ${b[4]}%\n`;
  s += `percentage_used                         : ${b[5]}%\n`;
  s += `data_units_read                         : ${u64(32)}\n`;
  s += `data_units_written                      : ${u64(48)}\n`;
  s += `host_read_commands                      : ${u64(64)}\n`;
  s += `host_write_commands                     : ${u64(80)}\n`;
  s += `power_cycles                            : ${u64(112)}\n`;
  s += `power_on_hours                          : ${u64(128)}\n`;
  s += `media_errors                            : ${u64(160)}\n`;
  s += `num_err_log_entries                     : ${u64(176)}\n`;
  return s;
}

export function formatFwLog(b: Uint8Array): string {
  let s = 'Firmware Log for device:nvme0\n';
  s += `afi  : ${hex(b[0]!)}\n`;
  for (let i = 0; i < 7; i++) {
    const rev = asciiField(b, 8 + 8 * i, 8);
    if (rev) s += `frs${i + 1} : ${rev}\n`;
  }
  return s;
}

/** A generated firmware image: 8-byte revision, then a counting pattern (deterministic, checkable). */
export function makeFirmwareImage(size: number, revision = '2.0'): Uint8Array {
  const img = new Uint8Array(size);
  for (let i = 0; i < size; i++) img[i] = (i * 131 + (i >>> 12)) & 0xff;
  for (let i = 0; i < 8; i++) img[i] = i < revision.length ? revision.charCodeAt(i) : 0x20;
  return img;
}

// ---- JSON views, with nvme-cli's field names ----

export function jsonIdCtrl(b: Uint8Array): Record<string, unknown> {
  const v = new DataView(b.buffer, b.byteOffset);
  return {
    vid: v.getUint16(0, true), ssvid: v.getUint16(2, true), sn: asciiField(b, 4, 20).padEnd(20), mn: asciiField(b, 24, 40).padEnd(40),
    fr: asciiField(b, 64, 8).padEnd(8), rab: b[72], ieee: (b[75]! << 16) | (b[74]! << 8) | b[73]!, cmic: b[76], mdts: b[77],
    cntlid: v.getUint16(78, true), ver: v.getUint32(80, true), oacs: v.getUint16(256, true), acl: b[258], aerl: b[259],
    frmw: b[260], lpa: b[261], elpe: b[262], npss: b[263], sqes: b[512], cqes: b[513], nn: v.getUint32(516, true),
    oncs: v.getUint16(520, true), vwc: b[525], psds: [{ max_power: v.getUint16(2048, true), flags: b[2051] }],
  };
}
export function jsonIdNs(b: Uint8Array): Record<string, unknown> {
  const v = new DataView(b.buffer, b.byteOffset);
  const lbafs = Array.from({ length: b[25]! + 1 }, (_, i) => ({ ms: v.getUint16(128 + 4 * i, true), ds: b[130 + 4 * i], rp: b[131 + 4 * i] }));
  return {
    nsze: Number(v.getBigUint64(0, true)), ncap: Number(v.getBigUint64(8, true)), nuse: Number(v.getBigUint64(16, true)),
    nsfeat: b[24], nlbaf: b[25], flbas: b[26], lbafs,
  };
}
export function jsonSmart(b: Uint8Array): Record<string, unknown> {
  const v = new DataView(b.buffer, b.byteOffset);
  const u64 = (o: number) => Number(v.getBigUint64(o, true));
  return {
    critical_warning: b[0], temperature: v.getUint16(1, true), avail_spare: b[3], spare_thresh: b[4], percent_used: b[5],
    data_units_read: u64(32), data_units_written: u64(48), host_read_commands: u64(64), host_write_commands: u64(80),
    power_cycles: u64(112), power_on_hours: u64(128), media_errors: u64(160), num_err_log_entries: u64(176),
  };
}
export function jsonFwLog(b: Uint8Array): Record<string, unknown> {
  const slots: Record<string, unknown> = { afi: b[0] };
  for (let i = 0; i < 7; i++) {
    const rev = asciiField(b, 8 + 8 * i, 8);
    if (rev) slots[`frs${i + 1}`] = rev;
  }
  return { 'Firmware Logging Info': slots };
}
export function jsonErrorLog(b: Uint8Array): Record<string, unknown> {
  const v = new DataView(b.buffer, b.byteOffset);
  const errors = [];
  for (let o = 0; o + 64 <= b.length; o += 64) {
    const count = Number(v.getBigUint64(o, true));
    if (!count) continue;
    errors.push({
      error_count: count, sqid: v.getUint16(o + 8, true), cmdid: v.getUint16(o + 10, true), status_field: v.getUint16(o + 12, true),
      parm_error_location: v.getUint16(o + 14, true), lba: Number(v.getBigUint64(o + 16, true)), nsid: v.getUint32(o + 24, true),
    });
  }
  return { errors };
}

// ---- -H: decoded fields (nvme-cli's human-readable mode, for the fields we report) ----

function bits(value: number, rows: Array<[number, string]>): string {
  return rows.map(([bit, text]) => `  [${bit}:${bit}] : ${(value >> bit) & 1}\t${text} ${(value >> bit) & 1 ? 'Supported' : 'Not Supported'}\n`).join('');
}
export function humanIdCtrl(b: Uint8Array): string {
  let s = formatIdCtrl(b);
  const oacs = b[256]! | (b[257]! << 8);
  s = s.replace(/^(oacs {6}: .*\n)/m, `$1${bits(oacs, [[3, 'NS Management and Attachment'], [2, 'FW Commit and Download'], [1, 'Format NVM'], [0, 'Security Send and Receive']])}`);
  const frmw = b[260]!;
  s = s.replace(/^(frmw {6}: .*\n)/m, `$1  [3:1] : ${(frmw >> 1) & 7}\tNumber of Firmware Slots\n  [0:0] : ${frmw & 1}\tFirmware Slot 1 Read${frmw & 1 ? '-Only' : '/Write'}\n`);
  const lpa = b[261]!;
  s = s.replace(/^(lpa {7}: .*\n)/m, `$1${bits(lpa, [[1, 'Command Effects Log Page'], [0, 'SMART/Health Log Page per NS']])}`);
  return s;
}
export function humanSmart(b: Uint8Array): string {
  const cw = b[0]!;
  const warn = [[0, 'Available Spare'], [1, 'Temperature Threshold'], [2, 'NVM subsystem Reliability'], [3, 'Read-only'], [4, 'Volatile Memory Backup']] as const;
  return formatSmart(b).replace(/^(critical_warning .*\n)/m, `$1${warn.map(([bit, t]) => `      ${t.padEnd(34)}: ${(cw >> bit) & 1}\n`).join('')}`);
}

// ---- statuses: names on stderr, errno as the exit code (nvme-cli's nvme_status_to_errno) ----

const EINVAL = 22, EIO = 5, EPERM = 1, ENOSPC = 28, EILSEQ = 84, EADDRINUSE = 98, EWOULDBLOCK = 11;
const STATUSES: Readonly<Record<number, readonly [string, number]>> = {
  [S.NVME_SC_INVALID_OPCODE]: ['Invalid Command Opcode', EINVAL],
  [S.NVME_SC_INVALID_FIELD]: ['Invalid Field in Command', EINVAL],
  [S.NVME_SC_CMDID_CONFLICT]: ['Command ID Conflict', EADDRINUSE],
  [S.NVME_SC_DATA_XFER_ERROR]: ['Data Transfer Error', EIO],
  [S.NVME_SC_INTERNAL]: ['Internal Error', EIO],
  [S.NVME_SC_ABORT_REQ]: ['Command Abort Requested', EWOULDBLOCK],
  [S.NVME_SC_INVALID_NS]: ['Invalid Namespace or Format', EINVAL],
  [S.NVME_SC_CMD_SEQ_ERROR]: ['Command Sequence Error', EILSEQ],
  [S.NVME_SC_INVALID_PRP_OFFSET]: ['PRP Offset Invalid', EINVAL],
  [S.NVME_SC_LBA_RANGE]: ['LBA Out of Range', EIO],
  [S.NVME_SC_CQ_INVALID]: ['Completion Queue Invalid', EINVAL],
  [S.NVME_SC_QID_INVALID]: ['Invalid Queue Identifier', EINVAL],
  [S.NVME_SC_QUEUE_SIZE]: ['Invalid Queue Size', EINVAL],
  [S.NVME_SC_FIRMWARE_SLOT]: ['Invalid Firmware Slot', EINVAL],
  [S.NVME_SC_FIRMWARE_IMAGE]: ['Invalid Firmware Image', EINVAL],
  [S.NVME_SC_INVALID_LOG_PAGE]: ['Invalid Log Page', EINVAL],
  [S.NVME_SC_INVALID_QUEUE_DELETION]: ['Invalid Queue Deletion', EINVAL],
  [S.NVME_SC_FEATURE_NOT_SAVEABLE]: ['Feature Identifier Not Saveable', EPERM],
  [S.NVME_SC_FEATURE_NOT_CHANGEABLE]: ['Feature Not Changeable', EPERM],
  [S.NVME_SC_OVERLAPPING_RANGE]: ['Overlapping Range', ENOSPC],
};
/** "Invalid Namespace or Format(0x400b)": the name of the status code (type and code, no DNR/More). */
export function nvmeStatusName(status: number): string {
  return `${STATUSES[status & 0x7ff]?.[0] ?? 'Unknown'}(0x${status.toString(16)})`;
}
/** The exit code nvme-cli gives a status: an errno by status type and code; EIO when unknown. */
export function nvmeStatusErrno(status: number): number {
  return status ? STATUSES[status & 0x7ff]?.[1] ?? EIO : 0;
}

// ---- the commands ----

const OUTPUT = {
  'output-format': { type: 'string', short: 'o' },
  'raw-binary': { type: 'boolean', short: 'b' },
  'human-readable': { type: 'boolean', short: 'H' },
} as const;
const HELP = { help: { type: 'boolean', short: 'h' } } as const;
const COMMANDS = {
  'id-ctrl': OUTPUT,
  'id-ns': { ...OUTPUT, 'namespace-id': { type: 'string', short: 'n' } },
  'smart-log': OUTPUT,
  'fw-log': OUTPUT,
  'error-log': OUTPUT,
  'get-feature': { ...OUTPUT, 'feature-id': { type: 'string', short: 'f' }, sel: { type: 'string', short: 's' }, 'namespace-id': { type: 'string', short: 'n' }, cdw11: { type: 'string', short: 'c' } },
  'set-feature': { 'feature-id': { type: 'string', short: 'f' }, value: { type: 'string', short: 'V' }, 'namespace-id': { type: 'string', short: 'n' }, save: { type: 'boolean', short: 's' } },
  'fw-download': { fw: { type: 'string', short: 'f' }, size: { type: 'string' }, xfer: { type: 'string', short: 'x' }, offset: { type: 'string', short: 'O' } },
  'fw-commit': { slot: { type: 'string', short: 's' }, action: { type: 'string', short: 'a' } },
  'admin-passthru': {
    opcode: { type: 'string', short: 'O' }, 'namespace-id': { type: 'string', short: 'n' }, 'data-len': { type: 'string', short: 'l' },
    read: { type: 'boolean', short: 'r' }, 'raw-binary': { type: 'boolean', short: 'b' },
    cdw10: { type: 'string' }, cdw11: { type: 'string' }, cdw12: { type: 'string' }, cdw13: { type: 'string' }, cdw14: { type: 'string' }, cdw15: { type: 'string' },
  },
} as const;
type Cmd = keyof typeof COMMANDS;

const u32 = (v: string | undefined, what: string, fallback?: number) => intOption(v, what, { max: 0xffffffff, fallback });

async function one(p: Process, args: string[], io: NvmeIo): Promise<number> {
  const [cmd, ...rest] = args;
  if (!cmd) throw new UsageError('nvme: a command is required (see vchardev nvme --help)');
  if (!(cmd in COMMANDS)) throw new UsageError(`nvme: unknown command '${cmd}' (see vchardev nvme --help)`);
  const { values: v, positionals } = parse(`nvme ${cmd}`, rest, { ...COMMANDS[cmd as Cmd], ...HELP }, true);
  if (v.help) {
    io.write(`${NVME_USAGE}\n`);
    return 0;
  }
  const dev = positionals[0];
  if (!dev) throw new UsageError(`nvme ${cmd}: a device is required, e.g. /dev/nvme0`);
  if (positionals.length > 1) throw new UsageError(`nvme ${cmd}: unexpected argument '${positionals[1]}'`);
  const str = (k: string) => v[k] as string | undefined;
  let fmt = str('output-format') ?? 'normal';
  if (!['normal', 'json', 'binary'].includes(fmt)) throw new UsageError(`nvme ${cmd}: -o: '${fmt}' is not normal, json or binary`);
  if (v['raw-binary']) fmt = 'binary';
  const human = Boolean(v['human-readable']);
  const err = io.writeErr ?? io.write;
  // validate every option before the device is touched
  const plan = prepare(cmd as Exclude<Cmd, 'fw-download'>, str, v);
  const fd = await p.open(dev, O_RDONLY);
  try {
    const r = await adminCmd(p, fd, plan.cmd, plan.data, plan.dataLen ?? plan.data?.length ?? 0);
    if (r.status) {
      err(`NVMe status: ${nvmeStatusName(r.status)}\n`);
      return nvmeStatusErrno(r.status);
    }
    const out = plan.show(r, { fmt, human });
    if (out instanceof Uint8Array) io.writeBytes ? io.writeBytes(out) : io.write(`${[...out].map((x) => x.toString(16).padStart(2, '0')).join(' ')}\n`);
    else if (typeof out === 'string') io.write(out);
    else io.write(`${JSON.stringify(out, null, 2)}\n`);
    return 0;
  } finally {
    await p.close(fd).catch(() => {});
  }
}

interface Plan {
  cmd: Partial<NvmeAdminCmdFields>;
  data?: Uint8Array;
  dataLen?: number;
  show(r: { result: number; data: Uint8Array }, o: { fmt: string; human: boolean }): string | Uint8Array | Record<string, unknown>;
}
const view = (o: { fmt: string }, data: Uint8Array, json: () => Record<string, unknown>, text: () => string) =>
  o.fmt === 'binary' ? data : o.fmt === 'json' ? json() : text();

/** The admin command and its view for every command but fw-download (which sends many: fwDownload). */
function prepare(cmd: Exclude<Cmd, 'fw-download'>, str: (k: string) => string | undefined, v: Record<string, unknown>): Plan {
  switch (cmd) {
    case 'id-ctrl':
      return { cmd: { opcode: S.nvme_admin_identify, cdw10: 1 }, dataLen: 4096, show: (r, o) => view(o, r.data, () => jsonIdCtrl(r.data), () => (o.human ? humanIdCtrl(r.data) : formatIdCtrl(r.data))) };
    case 'id-ns': {
      const nsid = u32(str('namespace-id'), '-n', 1);
      return { cmd: { opcode: S.nvme_admin_identify, nsid, cdw10: 0 }, dataLen: 4096, show: (r, o) => view(o, r.data, () => jsonIdNs(r.data), () => formatIdNs(r.data, nsid)) };
    }
    case 'smart-log':
    case 'fw-log':
    case 'error-log': {
      const lid = cmd === 'smart-log' ? S.NVME_LOG_SMART : cmd === 'fw-log' ? S.NVME_LOG_FW_SLOT : S.NVME_LOG_ERROR;
      const len = lid === S.NVME_LOG_ERROR ? 256 : 512;
      return {
        cmd: { opcode: S.nvme_admin_get_log_page, nsid: 0xffffffff, cdw10: lid | (((len >> 2) - 1) << 16) },
        dataLen: len,
        show: (r, o) => view(o, r.data,
          () => (lid === S.NVME_LOG_SMART ? jsonSmart(r.data) : lid === S.NVME_LOG_FW_SLOT ? jsonFwLog(r.data) : jsonErrorLog(r.data)),
          () => (lid === S.NVME_LOG_SMART ? (o.human ? humanSmart(r.data) : formatSmart(r.data)) : lid === S.NVME_LOG_FW_SLOT ? formatFwLog(r.data)
            : `Error Log: ${[...r.data.subarray(0, 32)].map((x) => x.toString(16).padStart(2, '0')).join(' ')}\n`)),
      };
    }
    case 'get-feature': {
      const fid = intOption(str('feature-id'), '-f (feature id)', { min: 1, max: 255 });
      const sel = intOption(str('sel'), '-s', { max: 3, fallback: 0 });
      const len = fid === S.NVME_FEAT_LBA_RANGE ? 4096 : 0;
      return {
        cmd: { opcode: S.nvme_admin_get_features, nsid: u32(str('namespace-id'), '-n', 0), cdw10: fid | (sel << 8), cdw11: u32(str('cdw11'), '-c', 0) },
        dataLen: len,
        show: (r, o) => (o.fmt === 'json' ? { feature_id: fid, sel, value: r.result >>> 0 }
          : `get-feature:${hex(fid)} (sel ${sel}), Current value:${hex(r.result >>> 0)}\n`),
      };
    }
    case 'set-feature': {
      const fid = intOption(str('feature-id'), '-f (feature id)', { min: 1, max: 255 });
      const value = u32(str('value'), '-V', 0);
      return {
        cmd: { opcode: S.nvme_admin_set_features, nsid: u32(str('namespace-id'), '-n', 0), cdw10: fid | (v.save ? 1 << 31 : 0) >>> 0, cdw11: value },
        show: (r) => `set-feature:${hex(fid)}, value:${hex(value)}, cdw0:${hex(r.result >>> 0)}\n`,
      };
    }
    case 'fw-commit': {
      const slot = intOption(str('slot'), '-s', { max: 7, fallback: 0 });
      const action = intOption(str('action'), '-a', { max: 7, fallback: 1 });
      return { cmd: { opcode: S.nvme_admin_activate_fw, cdw10: slot | (action << 3) }, show: () => `Success committing firmware action:${action} slot:${slot}\n` };
    }
    case 'admin-passthru': {
      const c: Partial<NvmeAdminCmdFields> = { opcode: intOption(str('opcode'), '-O (opcode)', { max: 255 }), nsid: u32(str('namespace-id'), '-n', 0) };
      for (const d of [10, 11, 12, 13, 14, 15] as const) (c as Record<string, number>)[`cdw${d}`] = u32(str(`cdw${d}`), `--cdw${d}`, 0);
      const len = intOption(str('data-len'), '-l', { max: 16 << 20, fallback: 0 });
      return {
        cmd: c,
        dataLen: len,
        show: (r) => (v['raw-binary'] && len ? r.data
          : `NVMe command result:${hex(r.result >>> 0)}\n${len && v.read ? `${[...r.data].map((x) => x.toString(16).padStart(2, '0')).join(' ')}\n` : ''}`),
      };
    }
  }
}

/** fw-download: the image from a file (-f) or generated (--size), sent in -x pieces from -O. */
async function fwDownload(p: Process, args: string[], io: NvmeIo): Promise<number> {
  const { values: v, positionals } = parse('nvme fw-download', args.slice(1), { ...COMMANDS['fw-download'], ...HELP }, true);
  if (v.help) {
    io.write(`${NVME_USAGE}\n`);
    return 0;
  }
  const dev = positionals[0];
  if (!dev) throw new UsageError('nvme fw-download: a device is required, e.g. /dev/nvme0');
  const file = v.fw as string | undefined;
  if (!file && v.size === undefined) throw new UsageError('nvme fw-download: -f FILE or --size BYTES is required');
  let image: Uint8Array;
  if (file) {
    if (!io.readFile) throw new CliError('no file system here');
    try {
      image = await io.readFile(file, FW_IMAGE_MAX);
    } catch (e) {
      throw new CliError(describeError(e), exitCodeOf(e));
    }
  } else image = makeFirmwareImage(intOption(v.size as string, '--size', { min: 4, max: 16 << 20 }));
  if (image.length % 4 || image.length === 0) throw new CliError(`the image is ${image.length} bytes; it must be a non-empty multiple of 4`, EINVAL);
  const xfer = intOption(v.xfer as string | undefined, '-x', { min: 4, max: 16 << 20, fallback: 4096 });
  if (xfer % 4) throw new UsageError(`-x: ${xfer} is not a multiple of 4`);
  const base = intOption(v.offset as string | undefined, '-O', { max: 0xffffffff * 4, fallback: 0 });
  const err = io.writeErr ?? io.write;
  const fd = await p.open(dev, O_RDONLY);
  try {
    for (let off = 0; off < image.length; off += xfer) {
      const chunk = image.subarray(off, Math.min(image.length, off + xfer));
      const r = await adminCmd(p, fd, { opcode: S.nvme_admin_download_fw, cdw10: (chunk.length >> 2) - 1, cdw11: (base + off) >>> 2 }, chunk);
      if (r.status) {
        err(`NVMe status: ${nvmeStatusName(r.status)}\n`);
        return nvmeStatusErrno(r.status);
      }
    }
  } finally {
    await p.close(fd).catch(() => {});
  }
  io.write(`Firmware download success (${image.length} bytes)\n`);
  return 0;
}

/**
 * Runs "+"-separated nvme commands in one kernel; @returns the first non-zero exit code, or 0.
 * Usage errors throw UsageError (exit 2); a failing call is one line on stderr and its errno.
 */
export async function nvmeCli(p: Process, argv: string[], io: NvmeIo): Promise<number> {
  const groups: string[][] = [[]];
  for (const a of argv) a === '+' ? groups.push([]) : groups[groups.length - 1]!.push(a);
  for (const g of groups) {
    let code: number;
    try {
      code = g[0] === 'fw-download' ? await fwDownload(p, g, io) : await one(p, g, io);
    } catch (e) {
      // a usage error names the command it belongs to: vchardev: nvme <command> <option>: <what>
      if (e instanceof UsageError) throw e.message.startsWith('nvme') ? e : new UsageError(`nvme ${g[0]} ${e.message}`);
      if (!(e instanceof KernelError || e instanceof CliError)) throw e;
      // one line, as every error of the CLI: vchardev: <command>: <what>
      (io.writeErr ?? io.write)(`vchardev: nvme ${g[0]}: ${describeError(e)}\n`);
      // --debug: where it came from
      if (io.debug && e.stack) (io.writeErr ?? io.write)(`${e.stack}\n`);
      code = exitCodeOf(e);
    }
    if (code) return code;
  }
  return 0;
}

/** `vchardev nvme …`: boots a kernel with nvme, runs the commands, shuts down. */
export async function nvmeMain(argv: string[], traceOn: boolean, debug = false): Promise<number> {
  if (argv.length === 0) throw new UsageError('nvme: a command is required (see vchardev nvme --help)');
  if (argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
    console.log(NVME_USAGE);
    return 0;
  }
  const k = await Kernel.boot({ misc: '3.x' });
  if (traceOn) k.trace.on((e) => process.stderr.write(`${e.text}\n`));
  try {
    await k.insmod('nvme');
    // nvme-cli 2.3's exit: 1 for any failure (its commands' errno stays nvmeCli's result)
    return (await nvmeCli(k.spawn({ comm: 'nvme' }), argv, {
      write: (t) => void process.stdout.write(t),
      writeErr: (t) => void process.stderr.write(t),
      writeBytes: (b) => void process.stdout.write(b),
      readFile: (path, max) => readBounded(path, max),
      debug,
    })) ? 1 : 0;
  } finally {
    await k.shutdown();
  }
}
