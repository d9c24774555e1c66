"""`import ember` loads the core only; the rest loads at first access and behaves as before."""

import subprocess
import sys

import ember
import ember.ops as ops

LAZY_MODULES = ("ember.nn", "ember.optim", "ember.data", "ember.utils", "ember.serialization",
                "ember.linalg", "ember.ops.conv", "ember.ops.pooling", "ember.ops.loss",
                "ember.ops.rnn", "ember.ops.attention", "ember.ops.normalization",
                "ember.ops.linear")


def _run(code: str) -> str:
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return out.stdout.strip()


def test_import_ember_leaves_the_lazy_modules_unloaded():
    code = f"import sys, ember; print(','.join(m for m in {LAZY_MODULES!r} if m in sys.modules))"
    assert _run(code) == ""


def test_every_access_form_loads_the_submodule():
    code = (
        "import ember; a = ember.nn.Linear\n"
        "from ember import optim; import ember.data; from ember.utils import data\n"
        "from ember import save, load; from ember.ops import conv2d\n"
        "print(a.__module__, optim.SGD.__name__, ember.data.DataLoader.__name__,\n"
        "      save.__name__, load.__name__, ember.max_pool2d.__name__, conv2d.__name__)"
    )
    assert _run(code) == "ember.nn.modules.linear SGD DataLoader save load max_pool2d conv2d"


def test_the_lazy_table_matches_the_families():
    for family in ops._LAZY_FAMILIES:
        module = getattr(ops, family)
        assert module.TENSOR_METHODS == (), f"{family} binds Tensor methods: it must load eagerly"
        for name in module.__all__:
            assert ops.LAZY_NAMES.get(name) == family, f"ops.LAZY_NAMES lacks {name} ({family})"
    assert set(ops.LAZY_NAMES.values()) <= set(ops._LAZY_FAMILIES)
    assert [m.__name__.rsplit(".", 1)[1] for m in ops.FAMILIES] == list(ops._FAMILY_ORDER)


def test_lazy_names_are_the_same_objects_everywhere():
    from ember.ops.conv import conv2d
    from ember.ops.dropout import dropout

    assert ember.conv2d is ops.conv2d is conv2d
    assert ember.dropout is ops.dropout is dropout  # the function, not the family module
    assert ember.save is ember.serialization.save
    assert ember.linalg.norm is ops.linalg.linalg_norm


def test_dir_lists_the_lazy_names_and_unknown_names_raise():
    assert {"nn", "optim", "data", "utils", "linalg", "save", "load", "conv2d"} <= set(dir(ember))
    assert {"conv", "pooling", "FAMILIES", "conv2d"} <= set(dir(ops))
    for module, name in ((ember, "no_such_op"), (ops, "no_such_op")):
        try:
            getattr(module, name)
        except AttributeError as error:
            assert name in str(error)
        else:
            raise AssertionError(f"{module.__name__}.{name} should raise AttributeError")
