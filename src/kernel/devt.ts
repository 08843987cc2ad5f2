// dev_t: 12-bit major, 20-bit minor (include/linux/kdev_t.h, chrdev-core §1). Always unsigned.
export const MINORBITS = 20;
export const MINORMASK = (1 << MINORBITS) - 1;
/** fs/char_dev.c: char majors are limited to 0..511. */
export const CHRDEV_MAJOR_MAX = 512;

export function MKDEV(major: number, minor: number): number {
  return ((major << MINORBITS) | (minor & MINORMASK)) >>> 0;
}
export function MAJOR(dev: number): number {
  return dev >>> MINORBITS;
}
export function MINOR(dev: number): number {
  return (dev & MINORMASK) >>> 0;
}
/** "M:m" as sysfs prints it. */
export function formatDevt(dev: number): string {
  return `${MAJOR(dev)}:${MINOR(dev)}`;
}
