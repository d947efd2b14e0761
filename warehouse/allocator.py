"""Keeping freed memory in the process for reuse (glibc's malloc only).

The analytics engines allocate and free arrays of a few MB many times per answer (one
funnel over 10M events makes ~40 of them). glibc returns freed memory at the top of its
heap to the kernel as soon as more than ~2 × the last large allocation is free, so the
next array faults its pages in again: on a 10M-event funnel that doubled the engine's
time (12.9 → 6.2 ms measured in bench/). `M_TOP_PAD` keeps that much free memory at the
top of the heap instead. It costs at most `pad_bytes` of resident memory and changes no
result. It is the same knob as `GLIBC_TUNABLES=glibc.malloc.top_pad`, set at run time so
that it also applies where Sightline does not start the process itself (uvicorn, tests,
benches).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging

_M_TOP_PAD = -2  # mallopt() parameter, <malloc.h>

log = logging.getLogger(__name__)


def keep_freed_memory(pad_bytes: int) -> bool:
    """Keep up to `pad_bytes` of freed heap memory for reuse. True when set; False where
    the C library has no mallopt() (not glibc) or `pad_bytes` is 0."""
    if pad_bytes <= 0:
        return False
    name = ctypes.util.find_library("c")
    try:
        mallopt = ctypes.CDLL(name).mallopt if name else None
    except (OSError, AttributeError):
        mallopt = None
    if mallopt is None:
        log.info("this C library has no mallopt(); freed memory is returned as usual")
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    return bool(mallopt(_M_TOP_PAD, min(pad_bytes, 2**31 - 1)))
