// QAT device configuration (adf_cfg*.c, qat §1, §3–§4): sections of key/value params, and the
// expansion of each user section into NumProcesses internal sections when a device is configured.

import { EINVAL } from '../../kernel/errno.js';

export const ADF_INTERNAL_USERSPACE_SEC_SUFF = '_INT_';
export const ADF_NUM_PROCESSES = 'NumProcesses';
export const ADF_LIMIT_DEV_ACCESS = 'LimitDevAccess';
export const ADF_CFG_MAX_STR_LEN = 128;
const RESERVED = new Set(['GENERAL', 'KERNEL', 'KERNEL_QAT', 'Accelerator']);

export interface Param {
  key: string;
  value: string;
}
export interface Section {
  name: string;
  derived: boolean;
  params: Param[];
}

/** The largest config text a device takes (a QAT .conf is a few KiB). */
export const ADF_CFG_MAX_TEXT = 64 << 10;
/** Sections and keys one device may hold, derived ones included. */
export const ADF_CFG_MAX_SECTIONS = 2048;
export const ADF_CFG_MAX_PARAMS = 256;

/**
 * Parses "[SECTION]" headers and "Key = Value" lines; '#' starts a comment.
 * @returns the sections, or -EINVAL for text past ADF_CFG_MAX_TEXT or too many sections or keys
 */
export function parseConfig(text: string): Section[] | number {
  if (typeof text !== 'string' || text.length > ADF_CFG_MAX_TEXT) return -EINVAL;
  const sections: Section[] = [];
  let cur: Section | null = null;
  for (const raw of text.split('\n')) {
    const line = raw.replace(/#.*/, '').trim();
    if (!line) continue;
    const h = /^\[(.+)\]$/.exec(line);
    if (h) {
      if (sections.length >= ADF_CFG_MAX_SECTIONS) return -EINVAL;
      cur = { name: h[1]!.slice(0, ADF_CFG_MAX_STR_LEN - 1), derived: false, params: [] };
      sections.push(cur);
    } else if (cur) {
      const eq = line.indexOf('=');
      if (eq > 0) addParam(cur, line.slice(0, eq).trim(), line.slice(eq + 1).trim());
      if (cur.params.length > ADF_CFG_MAX_PARAMS) return -EINVAL;
    }
  }
  return sections;
}

/** adf_cfg_add_key_value_param: same key, same value → unchanged; different value → replaced at the end. */
export function addParam(s: Section, key: string, value: string): void {
  const i = s.params.findIndex((p) => p.key === key);
  if (i >= 0) {
    if (s.params[i]!.value === value) return;
    s.params.splice(i, 1);
  }
  s.params.push({ key: key.slice(0, ADF_CFG_MAX_STR_LEN - 1), value: value.slice(0, ADF_CFG_MAX_STR_LEN - 1) });
}

export function getParam(s: Section | undefined, key: string): string | undefined {
  return s?.params.find((p) => p.key === key)?.value;
}

/** Decimal as the kernel's kstrtoul into a u32 would take it; anything else is 0 (qat §6 step 8). */
export function decimal(v: string | undefined): number {
  if (v === undefined || !/^\d+$/.test(v)) return 0;
  const n = Number(v);
  return n <= 0xffffffff ? n : 0;
}

export const isUserSection = (s: Section) => !s.derived && !RESERVED.has(s.name) && !/^Accelerator\d+$/.test(s.name);

// see: Intel QAT adf_cfg_section.c — expand user sections (qat §4)
/**
 * @param maxProcesses the device's process limit (GET_MAX_PROCESSES, qat §1)
 * @returns 0, or -EINVAL when a section asks for more processes than the device has ring pairs
 *   for, or the expansion would pass ADF_CFG_MAX_SECTIONS (nothing is expanded then)
 */
export function expandUserSections(sections: Section[], accelId: number, maxProcesses = Infinity): number {
  const users = sections.filter(isUserSection);
  let total = sections.length;
  for (const s of users) {
    // proposal: qat §4 — the real driver has no explicit cap; its ring-pair allocation fails past
    // the device's processes. We refuse up front, before a single section is made.
    const n = decimal(getParam(s, ADF_NUM_PROCESSES));
    if (n > maxProcesses) return -EINVAL;
    total += n;
  }
  if (total > ADF_CFG_MAX_SECTIONS) return -EINVAL;
  for (const s of users) {
    const n = decimal(getParam(s, ADF_NUM_PROCESSES));
    const limit = decimal(getParam(s, ADF_LIMIT_DEV_ACCESS));
    for (let i = 0; i < n; i++) {
      const name = limit ? `${s.name}_DEV${accelId}${ADF_INTERNAL_USERSPACE_SEC_SUFF}${i}` : `${s.name}${ADF_INTERNAL_USERSPACE_SEC_SUFF}${i}`;
      const d: Section = { name, derived: true, params: [] };
      for (const p of s.params) {
        if (p.key.includes('CoreAffinity') || p.key.includes(ADF_NUM_PROCESSES) || p.key.includes(ADF_LIMIT_DEV_ACCESS)) continue;
        addParam(d, p.key, p.value);
      }
      sections.push(d);
    }
    // S keeps only LimitDevAccess, so the broker can still read the limit
    s.params = s.params.filter((p) => p.key === ADF_LIMIT_DEV_ACCESS);
  }
  return 0;
}
