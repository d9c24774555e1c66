"""The glibc allocator thresholds set at ``import ember`` (and the switch that turns them off)."""

import os
import subprocess
import sys

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


def test_tune_malloc_is_idempotent():
    assert memory.tune_malloc() == memory.tune_malloc()
