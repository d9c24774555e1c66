"""The glibc allocator thresholds set at ``import ember`` (and the switch that turns them off)."""

import os
import subprocess
import sys
import types

import pytest

from ember.backend import memory

GLIBC = memory._glibc()


def _tuned_in_child(env_value):
    env = dict(os.environ)
    env.pop("EMBER_MALLOC_TUNE", None)
    if env_value is not None:
        env["EMBER_MALLOC_TUNE"] = env_value
    code = "import ember.backend.memory as m; print(m.tuned)"
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         check=True)
    return out.stdout.strip()


@pytest.mark.skipif(not GLIBC, reason="the thresholds are glibc's")
def test_import_tunes_glibc_malloc():
    assert _tuned_in_child(None) == "True"


@pytest.mark.parametrize("value", ["0", "off", "False"])
def test_env_var_switches_it_off(value):
    assert _tuned_in_child(value) == "False"


def test_thresholds_are_glibcs_dynamic_maxima():
    # glibc grows them by itself up to 32 MiB (mmap) and twice that (trim) on 64-bit systems.
    assert memory.MMAP_THRESHOLD == 32 * 1024 * 1024
    assert memory.TRIM_THRESHOLD == 2 * memory.MMAP_THRESHOLD


@pytest.mark.skipif(not GLIBC, reason="the thresholds are glibc's")
def test_tune_malloc_calls_mallopt_once_with_both_thresholds(monkeypatch):
    import ctypes

    calls = []

    def mallopt(param, value):  # a function, so that argtypes/restype can be set on it
        calls.append((param, value))
        return 1

    monkeypatch.setattr(ctypes, "CDLL", lambda name: types.SimpleNamespace(mallopt=mallopt))
    monkeypatch.setattr(memory, "tuned", False)
    monkeypatch.delenv("EMBER_MALLOC_TUNE", raising=False)
    assert memory.tune_malloc() is True
    assert calls == [(-3, 32 << 20), (-1, 64 << 20)]  # M_MMAP_THRESHOLD, M_TRIM_THRESHOLD
    assert memory.tune_malloc() is True and len(calls) == 2  # once per process
