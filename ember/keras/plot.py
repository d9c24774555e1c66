"""``keras.utils.plot_model``: draw a model's graph with Graphviz.

``model_to_dot`` builds the graph in the DOT language (one box per layer with its name and
class, optionally its output shape, dtype, activation and trainable flag; an arrow per
connection); ``plot_model`` hands it to Graphviz's ``dot`` program, found on ``PATH`` (Keras
needs the ``pydot`` package too; ember calls ``dot`` directly). A ``to_file`` ending in
``.dot`` is written as DOT text without Graphviz.

>>> from ember.keras.layers import Input
>>> from ember.keras.models import Model
>>> x = Input(shape=(3,), name="x")
>>> print(model_to_dot(Model(x, x * 2.0, name="double")).splitlines()[0])
digraph "double" {
"""

from __future__ import annotations

import html
import os
import shutil
import subprocess

__all__ = ["model_to_dot", "plot_model"]

_INSTALL = (
    "plot_model needs Graphviz's `dot` program, which was not found on PATH. Install Graphviz "
    "(Debian/Ubuntu: `apt-get install graphviz`; macOS: `brew install graphviz`; conda: "
    "`conda install graphviz`) and try again; pydot is not needed. To get the graph without "
    "Graphviz, use to_file='model.dot' or keras.utils.model_to_dot(model)."
)


def _quote(text: str) -> str:
    return '"' + str(text).replace("\\", "\\\\").replace('"', '\\"') + '"'


def _shape_text(shapes) -> str:
    if isinstance(shapes, tuple) and all(s is None or isinstance(s, int) for s in shapes):
        return "(" + ", ".join(str(s) for s in shapes) + ")"
    if isinstance(shapes, dict):
        return "{" + ", ".join(f"{k}: {_shape_text(v)}" for k, v in shapes.items()) + "}"
    if isinstance(shapes, (list, tuple)):
        return "[" + ", ".join(_shape_text(s) for s in shapes) + "]"
    return "?"


def _node_shapes(node, which):
    from .layers.input_layer import KerasTensor, map_structure

    value = node.outputs if which == "out" else list(node.keras_inputs)
    shapes = map_structure(lambda t: t.shape if isinstance(t, KerasTensor) else None, value)
    if which == "in" and isinstance(shapes, list) and len(shapes) == 1:
        shapes = shapes[0]
    return shapes


def _label(layer, node, show_shapes, show_dtype, show_layer_names, show_layer_activations,
           show_trainable) -> str:
    """An HTML-like Graphviz label: a table with the layer and its details."""
    title = f"{layer.name} ({type(layer).__name__})" if show_layer_names \
        else type(layer).__name__
    rows = [f'<tr><td colspan="2"><b>{html.escape(title)}</b></td></tr>']
    if show_layer_activations:
        activation = getattr(layer, "activation", None)
        if activation is not None:
            name = getattr(activation, "__name__", str(activation))
            rows.append(f'<tr><td colspan="2">Activation: {html.escape(name)}</td></tr>')
    if show_dtype:
        rows.append(f'<tr><td colspan="2">dtype: {html.escape(str(layer.dtype))}</td></tr>')
    if show_shapes and node is not None:
        inputs = _shape_text(_node_shapes(node, "in")) if node.keras_inputs else "-"
        outputs = _shape_text(_node_shapes(node, "out"))
        rows.append(f"<tr><td>Input shape: {html.escape(inputs)}</td>"
                    f"<td>Output shape: {html.escape(outputs)}</td></tr>")
    if show_trainable and layer.weights:
        rows.append(f'<tr><td colspan="2">Trainable: {"Y" if layer.trainable else "N"}</td></tr>')
    return "<" + '<table border="0" cellborder="1" cellspacing="0">' + "".join(rows) \
        + "</table>>"


def _graph_of(model):
    """(layers, edges) of a functional or Sequential model: edges are (source, target) layer
    pairs; also the node of each layer to show shapes from."""
    from .models.functional import Functional
    from .models.sequential import Sequential

    if isinstance(model, Functional):
        layers = model.layers
        own = model._network_nodes
    elif isinstance(model, Sequential):
        layers = list(model._layers)
        own = model._graph_node_ids()
    else:
        layers = model.layers
        return layers, [(a, b) for a, b in zip(layers, layers[1:])], {}
    nodes, edges = {}, []
    for layer in layers:
        for node in layer._inbound_nodes:
            if id(node) not in own:
                continue
            nodes.setdefault(id(layer), node)
            for t in node.keras_inputs:
                edge = (t._keras_history[0], layer)
                if all(edge[0] is not a or edge[1] is not b for a, b in edges):
                    edges.append(edge)
    if isinstance(model, Sequential) and not own:
        edges = [(a, b) for a, b in zip(layers, layers[1:])]
    return layers, edges, nodes


def _dot_body(model, opts, ids, indent="  "):
    """DOT lines for ``model``'s layers and edges; returns (lines, entry id, exit id). Node
    ids come from the shared ``ids`` map, so nested models drawn as clusters never clash."""
    layers, edges, nodes = _graph_of(model)

    def node_id(layer):
        return ids.setdefault(id(layer), f"n{len(ids)}")

    lines, ends = [], {}
    for layer in layers:
        inner = getattr(layer, "layers", None)
        if opts["expand_nested"] and inner:
            body, entry, exit_ = _dot_body(layer, opts, ids, indent + "  ")
            lines.append(f"{indent}subgraph cluster_{node_id(layer)} {{")
            lines.append(f"{indent}  label={_quote(layer.name)};")
            lines += body
            lines.append(f"{indent}}}")
            ends[id(layer)] = (entry, exit_)
            continue
        label = _label(layer, nodes.get(id(layer)), opts["show_shapes"], opts["show_dtype"],
                       opts["show_layer_names"], opts["show_layer_activations"],
                       opts["show_trainable"])
        lines.append(f"{indent}{node_id(layer)} [label={label}];")
    for src, dst in edges:
        a = ends[id(src)][1] if id(src) in ends else node_id(src)
        b = ends[id(dst)][0] if id(dst) in ends else node_id(dst)
        lines.append(f"{indent}{a} -> {b};")
    if not layers:
        return lines, None, None
    first, last = layers[0], layers[-1]
    entry = ends[id(first)][0] if id(first) in ends else node_id(first)
    exit_ = ends[id(last)][1] if id(last) in ends else node_id(last)
    return lines, entry, exit_


def model_to_dot(model, show_shapes=False, show_dtype=False, show_layer_names=True,
                 rankdir="TB", expand_nested=False, dpi=200, show_layer_activations=False,
                 show_trainable=False) -> str:
    """The model's graph as DOT text (what ``plot_model`` draws).

    Args mirror Keras's ``model_to_dot``; ``expand_nested`` draws the layers of nested models
    inside a cluster box.
    """
    if rankdir not in ("TB", "LR"):
        raise ValueError(f"model_to_dot: rankdir must be 'TB' or 'LR', got {rankdir!r}")
    opts = {"show_shapes": show_shapes, "show_dtype": show_dtype,
            "show_layer_names": show_layer_names, "expand_nested": expand_nested,
            "show_layer_activations": show_layer_activations, "show_trainable": show_trainable}
    body, _, _ = _dot_body(model, opts, {})
    lines = [f"digraph {_quote(model.name)} {{", f"  graph [rankdir={rankdir}, dpi={dpi}];",
             '  node [shape=plaintext, fontname="Helvetica"];', *body, "}"]
    return "\n".join(lines) + "\n"


def plot_model(model, to_file="model.png", show_shapes=False, show_dtype=False,
               show_layer_names=True, rankdir="TB", expand_nested=False, dpi=200,
               show_layer_activations=False, show_trainable=False):
    """Draw ``model`` into ``to_file`` (format from the extension: png, svg, pdf, ...) with
    Graphviz's ``dot``; a ``.dot`` file gets the DOT text itself."""
    text = model_to_dot(model, show_shapes=show_shapes, show_dtype=show_dtype,
                        show_layer_names=show_layer_names, rankdir=rankdir,
                        expand_nested=expand_nested, dpi=dpi,
                        show_layer_activations=show_layer_activations,
                        show_trainable=show_trainable)
    to_file = os.fspath(to_file)
    ext = os.path.splitext(to_file)[1].lstrip(".").lower() or "png"
    if ext in ("dot", "gv"):
        with open(to_file, "w", encoding="utf-8") as fh:
            fh.write(text)
        return None
    dot = shutil.which("dot")
    if dot is None:
        raise ImportError(_INSTALL)
    result = subprocess.run([dot, f"-T{ext}", "-o", to_file], input=text.encode("utf-8"),
                            capture_output=True, check=False)
    if result.returncode != 0:
        raise RuntimeError(
            f"plot_model: Graphviz `dot -T{ext}` failed: "
            f"{result.stderr.decode('utf-8', 'replace').strip()}"
        )
    return None
