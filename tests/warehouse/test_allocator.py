"""The server keeps freed heap memory for reuse (warehouse/allocator.py)."""

from __future__ import annotations

import platform

import pytest

from warehouse.allocator import keep_freed_memory
from warehouse.settings import load_settings


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="mallopt() is glibc's")
def test_glibc_accepts_the_top_pad() -> None:
    assert keep_freed_memory(64 * 1024 * 1024) is True
    # a pad past what an int holds is clamped, not an error
    assert keep_freed_memory(2**40) is True
    keep_freed_memory(64 * 1024 * 1024)


def test_zero_leaves_the_allocator_alone() -> None:
    assert keep_freed_memory(0) is False


def test_the_pad_is_a_setting() -> None:
    assert load_settings({}).api.malloc_top_pad_bytes == 64 * 1024 * 1024
    assert load_settings({"SIGHTLINE_API_MALLOC_TOP_PAD": "0"}).api.malloc_top_pad_bytes == 0
    with pytest.raises(ValueError, match="SIGHTLINE_API_MALLOC_TOP_PAD"):
        load_settings({"SIGHTLINE_API_MALLOC_TOP_PAD": "lots"})
