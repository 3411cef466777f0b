"""Fast reads of global text attributes (StructMetadata.0 is 32 000 characters).

pyhdf converts string attributes one character at a time (~25 ms for
StructMetadata.0, more than reading the pixels). pyhdf's own extension module
exports the HDF4 C function ``SDreadattr``; calling it through ctypes with the
same SD id fills a byte buffer directly. Where the symbol is not exported
(another pyhdf build), the plain pyhdf path is used.
"""

from __future__ import annotations

import ctypes
import functools

from pyhdf.error import HDF4Error
from pyhdf.SD import SD, SDC

_TEXT_TYPES = (SDC.CHAR8, SDC.UCHAR8)


@functools.cache
def _c_sdreadattr():  # -> ctypes function or None
    import pyhdf._hdfext as ext

    try:
        fn = ctypes.CDLL(ext.__file__).SDreadattr
    except (OSError, AttributeError):
        return None
    fn.argtypes = [ctypes.c_int32, ctypes.c_int32, ctypes.c_void_p]
    fn.restype = ctypes.c_int32
    return fn


def global_attribute_names(sd: SD) -> list[str]:
    """Names of the global attributes of an open SD file (values not read)."""
    return [sd.attr(i).info()[0] for i in range(sd.info()[1])]


def read_global_text(sd: SD, name: str) -> str | None:
    """Value of global attribute ``name`` as text (trailing NULs removed), or None if absent.

    Non-text attributes are returned as ``str()`` of pyhdf's value.
    """
    if name not in global_attribute_names(sd):
        return None
    attr = sd.attr(name)
    index = attr.index()
    _, data_type, n_values = attr.info()
    fn = _c_sdreadattr()
    if data_type not in _TEXT_TYPES or fn is None:
        return str(attr.get())
    buf = ctypes.create_string_buffer(max(n_values, 1))
    if fn(sd._id, index, buf) != 0:  # FAIL == -1
        raise HDF4Error(f"SDreadattr failed for attribute {name}")
    return buf.raw[:n_values].split(b"\0", 1)[0].decode("latin-1")
