"""The flow process's malloc tuning (flows/memory.py) takes effect where glibc is the allocator."""
from __future__ import annotations

import platform

import pytest

from flows.memory import tune_malloc


@pytest.mark.skipif(platform.system() != "Linux" or platform.libc_ver()[0] != "glibc", reason="glibc only")
def test_malloc_is_tuned_on_glibc():
    import flows.batch_loop  # noqa: F401 - applies it on import

    assert tune_malloc() is True


@pytest.mark.skipif(platform.system() != "Linux" or platform.libc_ver()[0] != "glibc", reason="glibc only")
def test_arrow_uses_the_tuned_system_allocator():
    import pyarrow

    import flows.batch_loop  # noqa: F401 - applies it on import

    assert pyarrow.default_memory_pool().backend_name == "system"
