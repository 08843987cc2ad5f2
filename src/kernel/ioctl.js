// include/uapi/asm-generic/ioctl.h (chrdev-core §8). Numbers are unsigned 32-bit everywhere.
export const _IOC_NRBITS = 8;
export const _IOC_TYPEBITS = 8;
export const _IOC_SIZEBITS = 14;
export const _IOC_DIRBITS = 2;
export const _IOC_NRSHIFT = 0;
export const _IOC_TYPESHIFT = 8;
export const _IOC_SIZESHIFT = 16;
export const _IOC_DIRSHIFT = 30;
export const _IOC_NONE = 0;
export const _IOC_WRITE = 1;
export const _IOC_READ = 2;
function typeCode(type) {
    return typeof type === 'string' ? type.charCodeAt(0) : type;
}
export function _IOC(dir, type, nr, size) {
    return ((dir << _IOC_DIRSHIFT) | (typeCode(type) << _IOC_TYPESHIFT) | (nr << _IOC_NRSHIFT) |
        ((size & 0x3fff) << _IOC_SIZESHIFT)) >>> 0;
}
export const _IO = (type, nr) => _IOC(_IOC_NONE, type, nr, 0);
export const _IOR = (type, nr, size) => _IOC(_IOC_READ, type, nr, size);
export const _IOW = (type, nr, size) => _IOC(_IOC_WRITE, type, nr, size);
export const _IOWR = (type, nr, size) => _IOC(_IOC_READ | _IOC_WRITE, type, nr, size);
export const _IOC_DIR = (cmd) => cmd >>> _IOC_DIRSHIFT;
export const _IOC_TYPE = (cmd) => (cmd >>> _IOC_TYPESHIFT) & 0xff;
export const _IOC_NR = (cmd) => (cmd >>> _IOC_NRSHIFT) & 0xff;
export const _IOC_SIZE = (cmd) => (cmd >>> _IOC_SIZESHIFT) & 0x3fff;
// Generic commands the VFS handles before the driver (fs/ioctl.c do_vfs_ioctl; asm-generic/ioctls.h).
export const FIONREAD = 0x541b;
export const FIONBIO = 0x5421;
export const FIONCLEX = 0x5450;
export const FIOCLEX = 0x5451;
export const FIOASYNC = 0x5452;
