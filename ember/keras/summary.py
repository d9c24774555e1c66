"""``model.summary()``: Keras 3's summary table, character for character.

Keras 3 renders the table with ``rich`` (box-drawing borders, a heavy header, a rule between
rows) and prints it without colours when captured. This module reproduces that text without
the dependency: the same column widths (``positions`` of ``line_length``, shrunk as rich
shrinks fixed-width columns to fit), the same word wrapping inside cells (words that cannot fit
end in ``…``), the same cropping to the console width, and the same footer::

    Model: "sequential"
    ┏━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━┓
    ┃ Layer (type)                    ┃ Output Shape           ┃       Param # ┃
    ┡━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━┩
    │ dense (Dense)                   │ (None, 10)             │         7,850 │
    └─────────────────────────────────┴────────────────────────┴───────────────┘
     Total params: 7,850 (30.66 KB)
     Trainable params: 7,850 (30.66 KB)
     Non-trainable params: 0 (0.00 B)

Functional models that are not a plain chain get a fourth column, "Connected to"
(``layer[node][tensor]``). Output shapes come from the graph nodes of Sequential/functional
models, or, for layers built by a call on data (subclassed models), from running the layer on
zeros of its build shape. An unbuilt model prints as Keras 3 prints it: ``?`` shapes and
``0 (unbuilt)``. Sizes are counted from the weights' dtypes, in powers of 1024:

>>> readable_memory_size(101_770 * 4)
'397.54 KB'
"""

from __future__ import annotations

import math
import os
import re
import shutil
import sys

import numpy as np

__all__ = ["print_summary", "readable_memory_size"]

# rich's HEAVY_HEAD box: top, header row, header rule, body row, row rule, bottom
_TOP, _HEAD, _HEAD_RULE, _ROW, _ROW_RULE, _BOTTOM = "┏━┳┓", "┃ ┃┃", "┡━╇┩", "│ ││", "├─┼┤", "└─┴┘"


def readable_memory_size(size: float) -> str:
    """Bytes as Keras prints them: ``397.54 KB`` (powers of 1024)."""
    for unit in ["B", "KB", "MB", "GB", "TB", "PB"]:
        if size / 1024 < 1:
            return f"{size:.2f} {unit}"
        size /= 1024
    return f"{size:.2f} PB"


def _dtype_bits(dtype) -> int:
    name = str(dtype).replace("ember.", "")
    if name == "bool":
        return 1
    return np.dtype(name).itemsize * 8


def _count_and_bytes(weights) -> tuple[int, float]:
    unique = {id(w): w for w in weights}.values()
    count = sum(int(math.prod(tuple(w.shape))) for w in unique)
    size = sum(int(math.prod(tuple(w.shape))) * _dtype_bits(w.dtype) for w in unique) / 8
    return count, size


def _optimizer_count_and_bytes(model):
    """Keras counts the optimizer's variables once it is built: its iteration counter (int64),
    learning rate (float32) and slot variables (Adam's m and v, momentum buffers...)."""
    if not getattr(model, "compiled", False):
        return None
    opt = getattr(model, "optimizer", None)
    if opt is None or not getattr(opt, "built", True):
        return None
    variables = getattr(opt, "variables", None)
    if isinstance(variables, (list, tuple)) and variables and not callable(variables):
        return _count_and_bytes(variables)
    state = getattr(opt, "state", None)
    if not state:
        return None
    slots = []
    for param, entries in state.items():
        for value in entries.values():
            if hasattr(value, "shape") and tuple(value.shape) == tuple(param.shape) and \
                    len(tuple(value.shape)) > 0:
                slots.append(value)
    count, size = _count_and_bytes(slots)
    return count + 2, size + 8 + 4


def _console_width() -> int:
    """The console width rich would use: $COLUMNS, else the terminal's, else 80."""
    columns = os.environ.get("COLUMNS")
    if columns is not None and columns.isdigit():
        return int(columns)
    for fd in (0, 1, 2):
        try:
            width = os.get_terminal_size(fd).columns
        except (AttributeError, ValueError, OSError):
            continue
        if width:
            return width
    return 80


# -- rich's layout rules ----------------------------------------------------------------------

def _ratio_reduce(total, ratios, maximums, values):
    ratios = [r if m else 0 for r, m in zip(ratios, maximums)]
    total_ratio = sum(ratios)
    if not total_ratio:
        return values[:]
    remaining = total
    out = []
    for ratio, maximum, value in zip(ratios, maximums, values):
        if ratio and total_ratio > 0:
            distributed = min(maximum, round(ratio * remaining / total_ratio))
            out.append(value - distributed)
            remaining -= distributed
            total_ratio -= ratio
        else:
            out.append(value)
    return out


def _ratio_distribute(total, ratios):
    total_ratio = sum(ratios)
    remaining = total
    out = []
    for ratio in ratios:
        distributed = math.ceil(ratio * remaining / total_ratio) if total_ratio > 0 else remaining
        out.append(distributed)
        total_ratio -= ratio
        remaining -= distributed
    return out


def _column_widths(requested: list[int], table_width: int) -> list[int]:
    """Widths (with one space of padding each side) of fixed-width columns in a table of
    ``table_width`` characters, as rich computes them."""
    max_width = table_width - (2 + len(requested) - 1)
    widths = [min(w + 2, max_width) for w in requested]
    total = sum(widths)
    if total > max_width:
        widths = _ratio_reduce(total - max_width, [1] * len(widths), widths, widths)
    elif total < max_width:
        pads = _ratio_distribute(max_width - total, widths)
        widths = [w + p for w, p in zip(widths, pads)]
    return widths


def _divide_line(text: str, width: int) -> list[int]:
    """Offsets where rich breaks ``text`` (words with their trailing spaces; no folding)."""
    breaks = []
    offset = 0
    for match in re.finditer(r"\s*\S+\s*", text):
        start, word = match.start(), match.group(0)
        length = len(word.rstrip())
        if width - offset >= length:
            offset += len(word)
        elif length > width:
            if start:
                breaks.append(start)
            offset = len(word)
        elif offset and start:
            breaks.append(start)
            offset = len(word)
    return breaks


def _truncate(text: str, width: int) -> str:
    return text if len(text) <= width else text[:max(width - 1, 0)] + "…"


def _wrap(text: str, width: int, justify: str) -> list[str]:
    """The lines of a cell's text, wrapped, justified and padded to ``width``."""
    lines = []
    for line in text.split("\n"):
        cuts = [0] + _divide_line(line, width) + [len(line)]
        for a, b in zip(cuts, cuts[1:]):
            piece = line[a:b]
            if len(piece) > width:
                trailing = len(piece) - len(piece.rstrip())
                piece = piece[:len(piece) - min(trailing, len(piece) - width)]
            if justify == "left":
                piece = _truncate(piece, width).ljust(width)
            elif justify == "right":
                piece = _truncate(piece.rstrip(), width).rjust(width)
            else:
                piece = _truncate(piece.rstrip(), width)
                piece = (" " * ((width - len(piece)) // 2) + piece).ljust(width)
            lines.append(_truncate(piece, width))
    return lines


def _render_table(header, rows, justify, widths) -> list[str]:
    def rule(chars):
        left, fill, mid, right = chars
        return left + mid.join(fill * w for w in widths) + right

    def row_lines(cells, chars, bottom=False):
        left, _, mid, right = chars
        wrapped = [_wrap(c, w - 2, j) for c, w, j in zip(cells, widths, justify)]
        height = max(len(w) for w in wrapped)
        for i, (cell, w) in enumerate(zip(wrapped, widths)):
            blank = [" " * (w - 2)] * (height - len(cell))
            wrapped[i] = blank + cell if bottom else cell + blank  # rich: headers sit low
        return [left + mid.join(f" {cell[i]} " for cell in wrapped) + right
                for i in range(height)]

    lines = [rule(_TOP)] + row_lines(header, _HEAD, bottom=True) + [rule(_HEAD_RULE)]
    for i, cells in enumerate(rows):
        if i:
            lines.append(rule(_ROW_RULE))
        lines.extend(row_lines(cells, _ROW))
    lines.append(rule(_BOTTOM))
    return lines


# -- the model's rows ---------------------------------------------------------------------------

def _is_shape(x) -> bool:
    return isinstance(x, tuple) and all(s is None or isinstance(s, int) for s in x)


def _format_tree(x):
    """Shapes formatted as Keras does (``(None, 10)``; a 1-D shape prints as ``(5)``)."""
    if _is_shape(x):
        return "(" + ", ".join(str(s) for s in x) + ")"
    if isinstance(x, dict):
        return {k: _format_tree(v) for k, v in x.items()}
    if isinstance(x, list):
        return [_format_tree(v) for v in x]
    if isinstance(x, tuple):
        return tuple(_format_tree(v) for v in x)
    return str(x)


def _shapes_of(outputs):
    from .layers.input_layer import KerasTensor

    if isinstance(outputs, KerasTensor):
        return tuple(outputs.shape)
    if isinstance(outputs, dict):
        return {k: _shapes_of(v) for k, v in outputs.items()}
    if isinstance(outputs, (list, tuple)):
        return type(outputs)(_shapes_of(v) for v in outputs)
    return outputs


def _format_shapes(shapes) -> str:
    """One shape as ``(None, 10)``; several (an LSTM with ``return_state``) as the flat list
    Keras prints, ``[(None, 5, 4), (None, 4), (None, 4)]``."""
    flat = _leaves(_format_tree(shapes))
    return flat[0] if len(flat) == 1 else "[" + ", ".join(flat) + "]"


def _leaves(x) -> list:
    if isinstance(x, dict):
        return [y for v in x.values() for y in _leaves(v)]
    if isinstance(x, (list, tuple)):
        return [y for v in x for y in _leaves(v)]
    return [x]


def _layer_shape(layer, own_nodes: set) -> str:
    nodes = layer._inbound_nodes
    if nodes:
        mine = [n for n in nodes if id(n) in own_nodes]
        return _format_shapes(_shapes_of((mine or nodes)[-1].outputs))
    if not layer.built or layer._build_shapes is None:
        return "?"
    try:
        shapes = layer.compute_output_shape(layer._build_shapes)
    except Exception:  # a layer that cannot run on zeros of its build shape
        return "?"
    return _format_shapes(shapes)


def _model_nodes(model) -> set:
    """Ids of the graph nodes that belong to ``model`` (functional or Sequential)."""
    if hasattr(model, "_network_nodes"):
        return set(model._network_nodes)
    graph_ids = getattr(model, "_graph_node_ids", None)
    return graph_ids() if callable(graph_ids) else set()


def _is_functional(model) -> bool:
    from .models.functional import Functional

    return isinstance(model, Functional)


def _sequential_like(model) -> bool:
    """Keras's test: a functional model is printed like a Sequential one when it is a chain
    (one node per depth, each with one input, no shared layer)."""
    if not _is_functional(model):
        return True
    nodes = []
    for depth in sorted(model._nodes_by_depth):
        group = model._nodes_by_depth[depth]
        if len(group) > 1 or (len(group) == 1 and len(group[0].keras_inputs) > 1):
            return False
        nodes += group
    node_ids = {id(n) for n in nodes}
    for layer in model.layers:
        if sum(1 for n in layer._inbound_nodes if id(n) in node_ids) > 1:
            return False
    return True


def _connections(layer, relevant: set) -> str:
    parts = []
    for node in layer._inbound_nodes:
        if relevant and id(node) not in relevant:
            continue
        for t in node.keras_inputs:
            src, node_index, tensor_index = t._keras_history
            parts.append(f"{src.name}[{node_index}][{tensor_index}]")
    return ", ".join(parts) or "-"


def _layer_range(layers, layer_range):
    if layer_range is None:
        return 0, len(layers)
    if len(layer_range) != 2:
        raise ValueError(
            "layer_range must be a list or tuple of length 2. Received: "
            f"layer_range = {layer_range} of length {len(layer_range)}"
        )
    if not all(isinstance(s, str) for s in layer_range):
        raise ValueError(f"layer_range should contain string type only. Received: {layer_range}")
    lower = [i for i, layer in enumerate(layers) if re.match(layer_range[0], layer.name)]
    upper = [i for i, layer in enumerate(layers) if re.match(layer_range[1], layer.name)]
    if not lower or not upper:
        raise ValueError(
            "Passed layer_names do not match the layer names in the model. "
            f"Received: {layer_range}"
        )
    if min(lower) > max(upper):
        return min(upper), max(lower) + 1
    return min(lower), max(upper) + 1


def print_summary(model, line_length=None, positions=None, print_fn=None, expand_nested=False,
                  show_trainable=False, layer_range=None) -> None:
    """Print ``model``'s summary table (Keras 3's ``model.summary``).

    Args:
        line_length: total width (default ``min(88, terminal width - 4)``, 108 with the
            "Connected to" column).
        positions: right edge of each column as a fraction of ``line_length``.
        print_fn: called once with the whole text (default: written to stdout).
        expand_nested: also list the layers of nested models, indented with ``└``.
        show_trainable: add a "Trainable" column (``Y``/``N``; ``-`` for layers without
            weights).
        layer_range: two regexes selecting the first and last layer printed.
    """
    sequential_like = _sequential_like(model)
    layers = model.layers
    if sequential_like:
        default_length, positions = 88, positions or [0.45, 0.80, 1.0]
        header = ["Layer (type)", "Output Shape", "Param #"]
        justify = ["left", "left", "right"]
    else:
        default_length, positions = 108, positions or [0.3, 0.56, 0.74, 1.0]
        header = ["Layer (type)", "Output Shape", "Param #", "Connected to"]
        justify = ["left", "left", "right", "left"]
    relevant = set()
    for group in getattr(model, "_nodes_by_depth", {}).values():
        relevant.update(id(n) for n in group)
    if show_trainable:
        default_length += 12
        positions = [p * 0.90 for p in positions] + [1.0]
        header.append("Trainable")
        justify.append("center")
    default_length = min(default_length, shutil.get_terminal_size().columns - 4)
    line_length = line_length or default_length
    requested, current = [], 0
    for pos in positions:
        width = int(pos * line_length) - current
        if width < 4:
            raise ValueError("Insufficient console width to print summary.")
        requested.append(width)
        current += width

    def fields(layer, prefix, own_nodes):
        name = f"{prefix}{layer.name} ({type(layer).__name__})"
        if not layer.built:
            params = "0 (unbuilt)"
        else:
            params = f"{layer.count_params():,}"
        row = [name, _layer_shape(layer, own_nodes), params]
        if not sequential_like:
            row.append(_connections(layer, relevant))
        if show_trainable:
            row.append(("Y" if layer.trainable else "N") if layer.weights else "-")
        return row

    def rows_of(layer, own_nodes, level=0):
        prefix = "   " * level + "└ " if level else ""
        out = [fields(layer, prefix, own_nodes)]
        nested = getattr(layer, "layers", None) if expand_nested else None
        if nested:
            inner_nodes = _model_nodes(layer)
            for sub in nested:
                out.extend(rows_of(sub, inner_nodes, level + 1))
        return out

    own_nodes = _model_nodes(model)
    start, stop = _layer_range(layers, layer_range)
    rows = [row for layer in layers[start:stop] for row in rows_of(layer, own_nodes)]

    trainable = _count_and_bytes(model.trainable_weights)
    non_trainable = _count_and_bytes(model.non_trainable_weights)
    optimizer = _optimizer_count_and_bytes(model)
    total_count = trainable[0] + non_trainable[0] + (optimizer[0] if optimizer else 0)
    total_size = trainable[1] + non_trainable[1] + (optimizer[1] if optimizer else 0)

    widths = _column_widths(requested, line_length)
    lines = [f'Model: "{model.name}"']
    lines += _render_table(header, rows, justify, widths)
    lines.append(f" Total params: {total_count:,} ({readable_memory_size(total_size)})")
    lines.append(f" Trainable params: {trainable[0]:,} ({readable_memory_size(trainable[1])})")
    lines.append(f" Non-trainable params: {non_trainable[0]:,} "
                 f"({readable_memory_size(non_trainable[1])})")
    if optimizer:
        lines.append(f" Optimizer params: {optimizer[0]:,} ({readable_memory_size(optimizer[1])})")
    console = _console_width()
    text = "".join(line[:console] + "\n" for line in lines)
    if print_fn is not None:
        print_fn(text)
    else:
        sys.stdout.write(text)
        sys.stdout.flush()
