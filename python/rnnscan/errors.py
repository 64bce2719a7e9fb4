"""Exceptions: one class per rnnscan_status, all subclasses of rnnscan.Error.

str(error) is the library's detail (which argument is wrong and why, the
failing OpenCL call, the kernel build log); error.status is the C status
number and error.status_name its name ("RNNSCAN_INVALID_ARGUMENT").  Checks
made in Python before calling the library raise the same classes.
"""


class Error(Exception):
    """Any failure of rnnscan; the base of the classes below."""
    status = None
    status_name = None

    def __init__(self, detail, status=None):
        super().__init__(detail)
        if status is not None:  # a status without its own class
            self.status = status
            self.status_name = "RNNSCAN_STATUS_%d" % status

    @property
    def detail(self):
        return self.args[0] if self.args else ""


# The numbers are include/rnnscan.h's RNNSCAN_STATUS_MAP (part of the ABI);
# tests/python/test_errors.py checks them against rnnscan_status_name().
class InvalidArgument(Error, ValueError):
    """An argument is wrong: a shape, a dtype, a name, a closed model."""
    status, status_name = 1, "RNNSCAN_INVALID_ARGUMENT"


class NotSupported(Error):
    """Not supported (yet) by this backend or build."""
    status, status_name = 2, "RNNSCAN_NOT_SUPPORTED"


class OutOfMemory(Error, MemoryError):
    """Out of host memory."""
    status, status_name = 3, "RNNSCAN_OUT_OF_MEMORY"


class TooLarge(Error):
    """A buffer larger than the device's maximum allocation."""
    status, status_name = 4, "RNNSCAN_TOO_LARGE"


class NoDevice(Error):
    """No OpenCL platform or device found."""
    status, status_name = 5, "RNNSCAN_NO_DEVICE"


class DeviceNotFound(Error):
    """No OpenCL device matches the requested spec."""
    status, status_name = 6, "RNNSCAN_DEVICE_NOT_FOUND"


class OpenCLError(Error):
    """An OpenCL call failed."""
    status, status_name = 7, "RNNSCAN_OPENCL_ERROR"


class BuildFailed(Error):
    """The OpenCL kernels failed to build (the detail holds the build log)."""
    status, status_name = 8, "RNNSCAN_BUILD_FAILED"


class FileError(Error):
    """A file could not be read or written (RNNSCAN_IO_ERROR)."""
    status, status_name = 9, "RNNSCAN_IO_ERROR"


class FormatError(Error):
    """A file is not in the expected format."""
    status, status_name = 10, "RNNSCAN_FORMAT_ERROR"


BY_STATUS = {cls.status: cls for cls in (
    InvalidArgument, NotSupported, OutOfMemory, TooLarge, NoDevice, DeviceNotFound,
    OpenCLError, BuildFailed, FileError, FormatError)}


def check(status, detail):
    """Raises the class for a non-zero rnnscan_status; `detail` is a function
    returning the library's message (called only on failure)."""
    if status == 0:
        return
    cls = BY_STATUS.get(status)
    if cls is None:
        raise Error(detail() or "unknown status", status)
    raise cls(detail() or cls.__doc__)
