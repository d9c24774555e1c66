"""The layers of the house: imports point downward only, and `import ember` stays light."""

import ast
import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
PKG = ROOT / "ember"

# Lower number = lower floor. A module may import only from its own floor or below.
FLOORS = {
    "backend": 0,
    "autograd": 1, "tensor": 1, "ops": 1, "_tensor_str": 1, "linalg": 1,
    "nn": 2,
    "optim": 3, "data": 3, "utils": 3, "serialization": 3,
    "keras": 4,
}


def _floor(parts):
    top = parts[0] if parts else ""
    return FLOORS.get(top)


def _imports(path: pathlib.Path):
    rel = path.relative_to(PKG).with_suffix("").parts
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = list(rel[:-1]) if path.name != "__init__.py" else list(rel[:-1])
                base = base[: len(base) - (node.level - 1)] if node.level > 1 else base
                target = base + (node.module.split(".") if node.module else [])
                names = [target + [a.name] for a in node.names] if not node.module else [target]
                for t in names:
                    yield node.lineno, t
            elif node.module and node.module.startswith("ember"):
                yield node.lineno, node.module.split(".")[1:]
        elif isinstance(node, ast.Import):
            for a in node.names:
                if a.name.startswith("ember."):
                    yield node.lineno, a.name.split(".")[1:]


def test_imports_point_downward_only():
    bad = []
    for path in PKG.rglob("*.py"):
        rel = path.relative_to(PKG).with_suffix("").parts
        if rel == ("__init__",):
            continue  # the package root re-exports every floor
        own = _floor(rel)
        if own is None:
            continue
        for line, target in _imports(path):
            tf = _floor(target)
            if tf is not None and tf > own:
                bad.append(f"{path.relative_to(ROOT)}:{line} imports ember.{'.'.join(target)}")
    assert not bad, "upward imports:\n" + "\n".join(bad)


def test_backend_knows_nothing_of_tensors():
    for path in (PKG / "backend").rglob("*.py"):
        for line, target in _imports(path):
            assert not target or target[0] == "backend", f"{path.name}:{line} imports {target}"


def test_import_ember_loads_numpy_only():
    code = (
        "import sys, ember; "
        "heavy = [m for m in ('torch', 'cupy', 'scipy', 'matplotlib') if m in sys.modules]; "
        "print(','.join(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
