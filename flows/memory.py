"""The flow process's heap: few glibc arenas, big buffers straight from the OS.

Measured on the end-to-end benchmark (bench/RESULTS.md): the flow process
grew with the run although it holds nothing between batches. mallinfo2
showed why: glibc gives each thread that allocates an arena of its own (up
to 8 per core), and every batch starts fresh fetch threads that allocate
its 12 MB of page bodies, which other threads free. Freed memory stayed
scattered over those arenas (free bytes inside the heap grew from 15 to
142 MB over ten batches; live bytes stayed ~100 MB), and the process's RSS
grew with it. With two arenas, and buffers of 64 KB and more (page bodies,
decompressed feeds) mapped and unmapped directly, it stays flat (RSS
414 -> 475 MB over ten batches before; 340 -> 358 MB after).

Applied once, by the first import of the flows' batch loop, before any
fetch thread exists (an arena limit only stops new arenas being made).
glibc only; elsewhere a no-op.

Arrow (the loader's tables, warehouse/load.py) allocates from its own pool,
mimalloc by default, which keeps freed memory for reuse: after one batch's
commit on a copy of a 3,000-article warehouse the process held 24 MB more
than before the commit with mimalloc, 12 MB with the system allocator (and
peaked 12 MB lower). The flow process therefore gives Arrow the system
allocator, whose big buffers the mmap threshold above hands straight back.
"""
from __future__ import annotations

import ctypes
import ctypes.util

M_MMAP_THRESHOLD = -3  # glibc's mallopt parameters (malloc.h)
M_ARENA_MAX = -8
ARENAS = 2
MMAP_THRESHOLD = 64 * 1024

_done = False


def tune_malloc() -> bool:
    """Limit glibc's arenas and fix its mmap threshold; whether it applied."""
    global _done
    if _done:
        return True
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):  # not glibc (musl, macOS, Windows)
        return False
    _done = bool(mallopt(M_ARENA_MAX, ARENAS)) and bool(mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD))
    if _done:
        import pyarrow

        pyarrow.set_memory_pool(pyarrow.system_memory_pool())
    return _done
