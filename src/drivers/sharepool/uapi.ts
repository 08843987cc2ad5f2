// Our test device for the share pool, modelled on openEuler's sharepool test suite driver (a misc
// device taking ioctls). Numbers and layouts are ours (little-endian):
//
// | ioctl | number | struct (bytes) | result |
// |---|---|---|---|
// | SP_IOCTL_ADD_GROUP | _IOWR('s', 1, 8) = 0xC0087301 | sp_add_group {pid i32 @0, spg_id i32 @4} | the group id, or -errno |
// | SP_IOCTL_ALLOC | _IOWR('s', 2, 32) = 0xC0207302 | sp_alloc_info {size u64 @0, flag u64 @8, spg_id i32 @16, addr u64 @24 (out)} | 0 |
// | SP_IOCTL_FREE | _IOW('s', 3, 8) = 0x40087303 | addr u64 | 0 |
// | SP_IOCTL_K2U | _IOWR('s', 4, 24) = 0xC0187304 | sp_k2u {size u64 @0, spg_id i32 @8 (-1: to the caller only), fill u32 @12, addr u64 @16 (out)} | 0 |
// | SP_IOCTL_GROUP_ID | _IOWR('s', 5, 8) = 0xC0087305 | {pid i32 @0, spg_id i32 @4 (out)} | 0, or -ENODEV when in no group |
import { _IOW, _IOWR } from '../../kernel/ioctl.js';

export const SP_IOCTL_ADD_GROUP = _IOWR('s', 1, 8);
export const SP_IOCTL_ALLOC = _IOWR('s', 2, 32);
export const SP_IOCTL_FREE = _IOW('s', 3, 8);
export const SP_IOCTL_K2U = _IOWR('s', 4, 24);
export const SP_IOCTL_GROUP_ID = _IOWR('s', 5, 8);

export const SPG_ID_NONE = -1;
export const SPG_ID_DEFAULT = 0;
export const SPG_ID_MIN = 1;
export const SPG_ID_MAX = 99999;
export const SPG_ID_AUTO_MIN = 100000;
export const SPG_ID_AUTO_MAX = 199999;
export const SPG_ID_AUTO = 200000;
export const SPG_ID_DVPP_PASS_THROUGH_MIN = 800000;
export const SPG_ID_DVPP_PASS_THROUGH_MAX = 899999;
export const SPG_ID_DVPP_PASS_THROUGH = 900000;
export const SP_HUGEPAGE = 1;
export const SP_HUGEPAGE_ONLY = 2;
export const SP_DVPP = 4;
export const AC_NONE = 0;
export const AC_SINGLE_OWNER = 1;
