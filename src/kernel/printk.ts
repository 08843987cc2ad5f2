// printk/dmesg: a per-kernel ring of lines with Linux log levels (include/linux/kern_levels.h).
export const KERN_EMERG = 0;
export const KERN_ALERT = 1;
export const KERN_CRIT = 2;
export const KERN_ERR = 3;
export const KERN_WARNING = 4;
export const KERN_NOTICE = 5;
export const KERN_INFO = 6;
export const KERN_DEBUG = 7;

export interface LogRecord {
  /** milliseconds on the kernel clock */
  t: number;
  level: number;
  text: string;
}

/** Keeps the newest `capacity` records, like the kernel's log buffer. */
export class LogBuffer {
  private readonly records: LogRecord[] = [];
  private readonly listeners = new Set<(r: LogRecord) => void>();

  constructor(private readonly now: () => number, private readonly capacity = 4096) {}

  printk(level: number, text: string): void {
    const r = { t: this.now(), level, text: text.replace(/\n$/, '') };
    this.records.push(r);
    if (this.records.length > this.capacity) this.records.shift();
    for (const l of this.listeners) l(r);
  }
  /** dmesg-style text: "[    1.234567] text" per line. */
  text(minLevel = KERN_DEBUG): string {
    return this.records
      .filter((r) => r.level <= minLevel)
      .map((r) => `[${(r.t / 1000).toFixed(6).padStart(12)}] ${r.text}`)
      .join('\n');
  }
  lines(): readonly LogRecord[] {
    return this.records;
  }
  onRecord(fn: (r: LogRecord) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }
}
