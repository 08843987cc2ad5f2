// `vchardev nvme …`: nvme-cli's admin commands against /dev/nvme0, through the Process API only
// (mmap a buffer, build struct nvme_admin_cmd, ioctl). Several commands may run in one kernel,
// joined by "+", e.g. `nvme fw-download /dev/nvme0 -f img.bin + fw-commit /dev/nvme0 -s 2 -a 1`.
import { O_RDONLY, KernelError, type Process } from '../index.js';
import { NVME_IOCTL_ADMIN_CMD, NvmeAdminCmd, asciiField, type NvmeAdminCmdFields } from '../drivers/nvme/uapi.js';

export const NVME_USAGE = `usage: vchardev nvme <command> <device> [options] [+ <command> <device> …]
  id-ctrl <dev>                     Identify Controller
  id-ns <dev> [-n nsid]             Identify Namespace (default nsid 1)
  smart-log <dev>                   SMART / health log
  fw-log <dev>                      firmware slot log
  error-log <dev>                   error information log
  get-feature <dev> -f fid [-s sel] Get Features
  set-feature <dev> -f fid -V value Set Features
  fw-download <dev> -f file | --size bytes [--xfer bytes]
                                    Firmware Image Download (a generated image when --size is given)
  fw-commit <dev> [-s slot] [-a action]
  admin-passthru <dev> --opcode N [--cdw10 N …] [--data-len N] [-r]`;

export interface NvmeIo {
  write(text: string): void;
  readFile?(path: string): Promise<Uint8Array>;
}

function opt(args: string[], names: string[], fallback?: string): string | undefined {
  for (const n of names) {
    const i = args.indexOf(n);
    if (i >= 0 && args[i + 1] !== undefined) return args[i + 1];
    const eq = args.find((a) => a.startsWith(`${n}=`));
    if (eq) return eq.slice(n.length + 1);
  }
  return fallback;
}
const num = (s: string | undefined, fallback = 0) => (s === undefined ? fallback : Number(s));

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

async function one(p: Process, args: string[], io: NvmeIo): Promise<number> {
  const [cmd, dev] = args;
  if (!cmd || !dev) {
    io.write(`${NVME_USAGE}\n`);
    return 2;
  }
  const fd = await p.open(dev, O_RDONLY);
  try {
    const done = (status: number, what: string) => {
      if (status) io.write(`NVMe status: ${what}: ${hex(status)}\n`);
      return status ? 1 : 0;
    };
    switch (cmd) {
      case 'id-ctrl': {
        const r = await adminCmd(p, fd, { opcode: 0x06, cdw10: 1 }, undefined, 4096);
        if (!r.status) io.write(formatIdCtrl(r.data));
        return done(r.status, 'identify');
      }
      case 'id-ns': {
        const nsid = num(opt(args, ['-n', '--namespace-id']), 1);
        const r = await adminCmd(p, fd, { opcode: 0x06, nsid, cdw10: 0 }, undefined, 4096);
        if (!r.status) io.write(formatIdNs(r.data, nsid));
        return done(r.status, 'identify namespace');
      }
      case 'smart-log':
      case 'fw-log':
      case 'error-log': {
        const lid = cmd === 'smart-log' ? 2 : cmd === 'fw-log' ? 3 : 1;
        const len = lid === 1 ? 256 : 512;
        const r = await adminCmd(p, fd, { opcode: 0x02, nsid: 0xffffffff, cdw10: lid | (((len >> 2) - 1) << 16) }, undefined, len);
        if (!r.status) io.write(lid === 2 ? formatSmart(r.data) : lid === 3 ? formatFwLog(r.data) : `Error Log: ${[...r.data.subarray(0, 32)].map((x) => x.toString(16).padStart(2, '0')).join(' ')}\n`);
        return done(r.status, cmd);
      }
      case 'get-feature': {
        const fid = num(opt(args, ['-f', '--feature-id']));
        const sel = num(opt(args, ['-s', '--sel']));
        const len = fid === 3 ? 4096 : 0;
        const r = await adminCmd(p, fd, { opcode: 0x0a, cdw10: fid | (sel << 8) }, undefined, len);
        if (!r.status) io.write(`get-feature:${hex(fid)} (sel ${sel}), Current value:${hex(r.result >>> 0)}\n`);
        return done(r.status, 'get-feature');
      }
      case 'set-feature': {
        const fid = num(opt(args, ['-f', '--feature-id']));
        const value = num(opt(args, ['-V', '--value']));
        const r = await adminCmd(p, fd, { opcode: 0x09, cdw10: fid, cdw11: value });
        if (!r.status) io.write(`set-feature:${hex(fid)}, value:${hex(value)}, cdw0:${hex(r.result >>> 0)}\n`);
        return done(r.status, 'set-feature');
      }
      case 'fw-download': {
        const file = opt(args, ['-f', '--fw']);
        const size = opt(args, ['--size']);
        const image = file && io.readFile ? await io.readFile(file) : makeFirmwareImage(num(size, 1 << 20));
        const xfer = num(opt(args, ['-x', '--xfer']), image.length);
        for (let off = 0; off < image.length; off += xfer) {
          const chunk = image.subarray(off, Math.min(image.length, off + xfer));
          const r = await adminCmd(p, fd, { opcode: 0x11, cdw10: (chunk.length >> 2) - 1, cdw11: off >> 2 }, chunk);
          if (r.status) return done(r.status, 'fw-download');
        }
        io.write(`Firmware download success (${image.length} bytes)\n`);
        return 0;
      }
      case 'fw-commit': {
        const slot = num(opt(args, ['-s', '--slot']));
        const action = num(opt(args, ['-a', '--action']), 1);
        const r = await adminCmd(p, fd, { opcode: 0x10, cdw10: (slot & 7) | ((action & 7) << 3) });
        if (!r.status) io.write(`Success committing firmware action:${action} slot:${slot}\n`);
        return done(r.status, 'fw-commit');
      }
      case 'admin-passthru': {
        const c: Partial<NvmeAdminCmdFields> = { opcode: num(opt(args, ['-O', '--opcode'])), nsid: num(opt(args, ['-n', '--namespace-id'])) };
        for (const d of [10, 11, 12, 13, 14, 15] as const) (c as Record<string, number>)[`cdw${d}`] = num(opt(args, [`--cdw${d}`]));
        const len = num(opt(args, ['-l', '--data-len']));
        const r = await adminCmd(p, fd, c, undefined, len);
        io.write(`NVMe command result:${hex(r.result >>> 0)} status:${hex(r.status)}\n`);
        if (len && args.includes('-r')) io.write(`${[...r.data].map((x) => x.toString(16).padStart(2, '0')).join(' ')}\n`);
        return r.status ? 1 : 0;
      }
      default:
        io.write(`vchardev nvme: unknown command '${cmd}'\n${NVME_USAGE}\n`);
        return 2;
    }
  } catch (e) {
    if (e instanceof KernelError) {
      io.write(`${cmd}: ${e.message}\n`);
      return 1;
    }
    throw e;
  } finally {
    await p.close(fd);
  }
}

/** Runs "+"-separated nvme commands in one kernel; @returns the first non-zero exit code, or 0. */
export async function nvmeCli(p: Process, argv: string[], io: NvmeIo): Promise<number> {
  const groups: string[][] = [[]];
  for (const a of argv) a === '+' ? groups.push([]) : groups[groups.length - 1]!.push(a);
  for (const g of groups) {
    const code = await one(p, g, io);
    if (code) return code;
  }
  return 0;
}
