"""devices(): the OpenCL devices, as `rnnscan devices` lists them."""
import collections
from ctypes import byref, c_int

from . import _native, _structs
from ._native import lib, text
from .errors import check

Device = collections.namedtuple("Device", [
    "index",             # the device spec that selects it: device=index
    "platform",          # platform name
    "name",              # device name
    "is_gpu",
    "version",           # CL_DEVICE_VERSION
    "compute_units",
    "max_alloc_bytes",
    "global_mem_bytes",
    "platform_index",
])


def devices():
    """Every OpenCL device on every platform, as a list of Device; [] when no
    platform is installed.  The reference and cpu backends need none."""
    count = c_int()
    check(lib.rnnscan_list_devices(None, 0, byref(count)), _native.last_error)
    infos = (_structs.DeviceInfo * count.value)()
    if count.value:
        check(lib.rnnscan_list_devices(infos, count.value, byref(count)), _native.last_error)
    return [Device(index=info.index, platform=text(info.platform_name),
                   name=text(info.device_name), is_gpu=bool(info.is_gpu),
                   version=text(info.version), compute_units=info.compute_units,
                   max_alloc_bytes=info.max_alloc_bytes, global_mem_bytes=info.global_mem_bytes,
                   platform_index=info.platform_index)
            for info in infos[:count.value]]
