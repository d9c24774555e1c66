"""``Functional``: a model defined as a graph of layer calls on ``keras.Input`` tensors.

``keras.Model(inputs, outputs)`` walks the graph back from ``outputs`` through the ``Node``
each layer call recorded (Keras 3's ``map_graph``: a depth-first walk, then nodes grouped by
depth). Each layer is registered as a child module under its unique name (state-dict keys
``dense_1.kernel``); a layer called twice (shared) is one child with two nodes; a model called
on symbolic tensors is a layer like any other.

Calling the model runs the nodes in topological order: each node's layer is called on the
values of its argument tensors, so masks and the training flag flow through the layers' own
``__call__``. Inputs may be a tensor, a NumPy array, a list (in ``inputs`` order) or a dict
(by the keys of a dict of inputs, or by ``Input`` names); each is cast to its ``Input``'s dtype
and checked against its shape.

>>> import numpy as np
>>> from ember.keras.layers import Input
>>> from ember.keras.models import Model
>>> x = Input(shape=(3,), name="x")
>>> model = Model(x, x * 2.0)
>>> type(model).__name__, model(np.ones((2, 3))).numpy().tolist()
('Functional', [[2.0, 2.0, 2.0], [2.0, 2.0, 2.0]])
"""

from __future__ import annotations

import collections

import ember
from ember.tensor import Tensor

from ..layers.input_layer import InputLayer, KerasTensor, map_structure
from ..layers.layer import Layer, convert_inputs, set_mask
from .model import Model

__all__ = ["Functional", "functional_from_config"]


def _flatten(x) -> list:
    """Leaves of nested lists/tuples/dicts; dicts in sorted key order (Keras's ``tree``)."""
    if isinstance(x, dict):
        return [y for k in sorted(x) for y in _flatten(x[k])]
    if isinstance(x, (list, tuple)):
        return [y for v in x for y in _flatten(v)]
    return [x]


def _pack_like(struct, flat: list):
    """Rebuild ``struct``'s nesting from ``flat`` (the order of ``_flatten``)."""
    it = iter(flat)

    def pack(s):
        if isinstance(s, dict):
            values = {k: pack(s[k]) for k in sorted(s)}
            return {k: values[k] for k in s}
        if isinstance(s, (list, tuple)):
            return type(s)(pack(v) for v in s)
        return next(it)

    return pack(struct)


def _shape_str(shape) -> str:
    return "(" + ", ".join(str(s) for s in shape) + ("," if len(shape) == 1 else "") + ")"


class Functional(Model):
    """A model made of layers called on ``keras.Input`` tensors: ``Model(inputs, outputs)``.

    Args:
        inputs: a KerasTensor from ``keras.Input``, or a list or dict of them.
        outputs: a KerasTensor computed from ``inputs``, or a list or dict of them.
        name: the model name (default ``functional``, ``functional_1``, ...).
        trainable: whether the weights are trainable.
    """

    def __init__(self, inputs, outputs, name=None, trainable=True, **kwargs):
        self._init_model(name=name, **kwargs)
        d = self.__dict__
        d["_inputs_struct"] = _copy_struct(inputs)
        d["_outputs_struct"] = _copy_struct(outputs)
        d["_inputs"] = _flatten(inputs)
        d["_outputs"] = _flatten(outputs)
        self._check_tensors()
        nodes, nodes_by_depth, operations = _map_graph(self._inputs, self._outputs)
        d["_network_nodes"] = {id(n) for n in nodes}
        d["_nodes_by_depth"] = nodes_by_depth
        d["_operations"] = operations
        d["_run_nodes"] = [n for n in nodes if n.call_args or n.call_kwargs]
        for layer in operations:
            if "." in layer.name or not layer.name:
                raise ValueError(
                    f"Functional model '{self.name}': layer name {layer.name!r} cannot be used "
                    "(names may not be empty or contain '.'); pass another name= to the layer"
                )
            self._modules[layer.name] = layer
        d["built"] = True
        d["output_names"] = [t._keras_history[0].name for t in self._outputs]
        if not trainable:
            self.trainable = False

    def _check_tensors(self) -> None:
        if not self._inputs:
            raise ValueError(
                f"Functional model: `inputs` cannot be empty. Received: {self._inputs_struct}")
        if not self._outputs:
            raise ValueError(
                f"Functional model: `outputs` cannot be empty. Received: {self._outputs_struct}")
        for what, tensors in (("inputs", self._inputs), ("outputs", self._outputs)):
            for t in tensors:
                if not isinstance(t, KerasTensor):
                    raise ValueError(
                        f"All `{what}` values must be KerasTensors (from keras.Input or a layer "
                        f"called on one). Received: {what}={getattr(self, '_' + what + '_struct')} "
                        f"including invalid value {t!r} of type {type(t).__name__}"
                    )
        for t in self._inputs:
            if not isinstance(t._keras_history[0], InputLayer):
                raise ValueError(
                    f"Functional model inputs must be tensors returned by keras.Input(); "
                    f"{t.name} was produced by layer '{t._keras_history[0].name}'. Build a "
                    "sub-model from keras.Input tensors instead."
                )

    # -- structure ----------------------------------------------------------------------------

    @property
    def layers(self) -> list:
        """Every layer of the graph in topological order, ``InputLayer``s included (Keras 3)."""
        return [op for op in self._operations if isinstance(op, Layer)]

    @property
    def inputs(self) -> list:
        return list(self._inputs)

    @property
    def outputs(self) -> list:
        return list(self._outputs)

    @property
    def input(self):
        return self._inputs_struct

    @property
    def output(self):
        return self._outputs_struct

    @property
    def input_shape(self):
        shapes = map_structure(lambda t: t.shape, self._inputs_struct)
        return shapes[0] if isinstance(shapes, list) and len(shapes) == 1 else shapes

    @property
    def output_shape(self):
        shapes = map_structure(lambda t: t.shape, self._outputs_struct)
        return shapes[0] if isinstance(shapes, list) and len(shapes) == 1 else shapes

    def build(self, input_shape=None) -> None:
        self.__dict__["built"] = True

    def get_build_config(self):
        return None

    # -- calling ------------------------------------------------------------------------------

    def call(self, inputs, training=None, mask=None):
        flat = self._standardize_inputs(inputs)
        if mask is not None:
            for x, m in zip(flat, _flatten(mask)):
                if m is not None:
                    set_mask(x, m)
        values = {id(t): x for t, x in zip(self._inputs, flat)}

        def fill(v):
            return values[id(v)] if isinstance(v, KerasTensor) else v

        for node in self._run_nodes:
            args = map_structure(fill, node.call_args)
            kwargs = map_structure(fill, node.call_kwargs)
            out = node.layer(*args, **kwargs)
            for t, value in zip(_flatten(node.outputs), _flatten(out)):
                values[id(t)] = value
        outputs = _pack_like(self._outputs_struct, [values[id(t)] for t in self._outputs])
        if isinstance(outputs, (list, tuple)) and len(outputs) == 1:
            return outputs[0]
        return outputs

    def _standardize_inputs(self, inputs) -> list:
        """The inputs as a flat list matching ``self._inputs``, converted and shape-checked."""
        struct = self._inputs_struct
        n = len(self._inputs)
        names = [t.name for t in self._inputs]
        if isinstance(inputs, dict) and not isinstance(struct, dict):
            missing = [name for name in names if name not in inputs]
            if missing:
                raise ValueError(
                    f"Model '{self.name}' expects inputs {names} (by keras.Input name); the dict "
                    f"passed has keys {sorted(inputs)}, missing {missing}"
                )
            flat = [inputs[name] for name in names]
        elif isinstance(struct, dict):
            if isinstance(inputs, dict):
                missing = [k for k in sorted(struct) if k not in inputs]
                if missing:
                    raise ValueError(
                        f"Model '{self.name}' expects a dict of inputs with keys "
                        f"{sorted(struct)}; the dict passed has keys {sorted(inputs)}, missing "
                        f"{missing}"
                    )
                flat = [inputs[k] for k in sorted(struct)]
            else:
                flat = self._as_list(inputs, n, names)
        else:
            flat = self._as_list(inputs, n, names)
        return [self._conform(x, t) for x, t in zip(flat, self._inputs)]

    def _as_list(self, inputs, n, names) -> list:
        if isinstance(inputs, (list, tuple)):
            if len(inputs) != n:
                raise ValueError(
                    f"Model '{self.name}' expects {n} input(s) {names}, but it received "
                    f"{len(inputs)} input tensors. Pass a list of {n} arrays (or a dict by "
                    "input name)."
                )
            return list(inputs)
        if n != 1:
            raise ValueError(
                f"Model '{self.name}' expects {n} inputs {names}, but it received a single "
                f"tensor. Pass a list of {n} arrays (or a dict by input name)."
            )
        return [inputs]

    def _conform(self, x, ref: KerasTensor):
        """Cast ``x`` to the Input's dtype, adjust a trailing axis of 1 (as Keras does), and
        check its shape against the Input's."""
        if not isinstance(x, Tensor):
            x = convert_inputs(x, None)
        if str(x.dtype) != f"ember.{ref.dtype}":
            x = x.to(getattr(ember, ref.dtype))
        shape = tuple(x.shape)
        if len(shape) == len(ref.shape) + 1 and shape[-1] == 1:
            x = x.squeeze(-1)
        elif len(shape) == len(ref.shape) - 1 and ref.shape[-1] == 1:
            x = x.unsqueeze(-1)
        got = tuple(x.shape)
        if len(got) != len(ref.shape) or any(
                r is not None and g != r for g, r in zip(got, ref.shape)):
            raise ValueError(
                f"Input '{ref.name}' of model '{self.name}' expects shape "
                f"{_shape_str(ref.shape)}, got {_shape_str(shape)}. Reshape the data to match, "
                "or change keras.Input(shape=...)."
            )
        return x

    # -- config -------------------------------------------------------------------------------

    def get_config(self) -> dict:
        """Keras 3's functional config: the layers with their ``inbound_nodes`` and the
        ``input_layers``/``output_layers`` as ``[layer name, node index, tensor index]``."""
        if getattr(type(self), "_functional_subclass_of", None) is not None:
            return Model.get_config(self)
        from .. import saving

        own = self._network_nodes
        layer_configs = []
        for layer in self._operations:
            inbound = []
            for node in layer._inbound_nodes:
                if id(node) in own and (node.call_args or node.call_kwargs):
                    inbound.append({
                        "args": _serialize_args(node.call_args, own, layer),
                        "kwargs": _serialize_args(node.call_kwargs, own, layer),
                    })
            entry = saving.serialize_keras_object(layer)
            entry["name"] = layer.name
            entry["inbound_nodes"] = inbound
            layer_configs.append(entry)

        def tensor_ref(t):
            layer, index, tensor_index = t._keras_history
            return [layer.name, _local_index(layer, index, own), tensor_index]

        return {
            "name": self.name,
            "trainable": self.trainable,
            "layers": layer_configs,
            "input_layers": map_structure(tensor_ref, _as_lists(self._inputs_struct)),
            "output_layers": map_structure(tensor_ref, _as_lists(self._outputs_struct)),
        }

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from .. import saving

        if not all(k in config for k in ("layers", "input_layers", "output_layers")):
            return super().from_config(config, custom_objects=custom_objects)
        with saving.custom_object_scope(custom_objects or {}):
            return functional_from_config(cls, config, saving.deserialize_keras_object)


def _copy_struct(x):
    if isinstance(x, dict):
        return {k: _copy_struct(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_copy_struct(v) for v in x]
    return x


def _as_lists(x):
    if isinstance(x, (list, tuple)):
        return [_as_lists(v) for v in x]
    if isinstance(x, dict):
        return {k: _as_lists(v) for k, v in x.items()}
    return x


def _local_index(layer, index: int, own: set) -> int:
    """A node index counted among the layer's nodes that belong to this model."""
    return sum(1 for node in layer._inbound_nodes[:index] if id(node) in own)


def _serialize_args(args, own, layer):
    def encode(v):
        if isinstance(v, KerasTensor):
            src, index, tensor_index = v._keras_history
            return {"class_name": "__keras_tensor__", "config": {
                "shape": list(v.shape), "dtype": v.dtype,
                "keras_history": [src.name, _local_index(src, index, own), tensor_index]}}
        if v is None or isinstance(v, (bool, int, float, str)):
            return v
        if isinstance(v, (list, tuple)):
            return [encode(x) for x in v]
        if isinstance(v, dict):
            return {k: encode(x) for k, x in v.items()}
        raise ValueError(
            f"cannot save the functional model: layer '{layer.name}' was called with an "
            f"argument of type {type(v).__name__} ({v!r}); only symbolic tensors, numbers, "
            "strings and lists/dicts of them can be stored in a config"
        )

    return encode(list(args) if isinstance(args, tuple) else args)


# -- the graph ------------------------------------------------------------------------------

def _node_of(tensor):
    layer, index, _ = tensor._keras_history
    return layer, layer._inbound_nodes[index]


def _build_map(inputs, outputs):
    """Depth-first walk from the outputs (iterative; Keras's ``_build_map``): nodes in
    topological order and each layer's first traversal index."""
    input_ids = {id(t) for t in inputs}
    finished, in_progress = set(), set()
    ordered, op_index = [], {}

    def push(stack, tensor):
        layer, node = _node_of(tensor)
        if id(node) in finished:
            return
        if id(node) in in_progress:
            raise ValueError(f"Tensor {tensor!r} from layer '{layer.name}' is part of a cycle.")
        op_index.setdefault(layer, len(op_index))
        in_progress.add(id(node))
        is_input = not (node.call_args or node.call_kwargs)
        parents = [] if is_input or id(tensor) in input_ids else node.keras_inputs
        stack.append((node, iter(parents)))

    for out in outputs:
        stack = []
        push(stack, out)
        while stack:
            node, parents = stack[-1]
            parent = next(parents, None)
            if parent is not None:
                push(stack, parent)
                continue
            stack.pop()
            in_progress.discard(id(node))
            finished.add(id(node))
            ordered.append(node)
    return ordered, op_index


def _map_graph(inputs, outputs):
    """Nodes (topological order), nodes by depth, and layers ordered as Keras 3 orders them
    (deepest first, then by traversal order); raises on disconnected graphs and duplicate
    names."""
    ordered, op_index = _build_map(inputs, outputs)
    node_depth: dict[int, int] = {}
    op_depth: dict = {}
    by_id = {id(n): n for n in ordered}
    for node in reversed(ordered):
        depth = node_depth.setdefault(id(node), 0)
        depth = max(depth, op_depth.get(node.layer, 0))
        op_depth[node.layer] = depth
        node_depth[id(node)] = depth
        for parent in node.parent_nodes:
            node_depth[id(parent)] = max(depth + 1, node_depth.get(id(parent), 0))
            by_id.setdefault(id(parent), parent)
    for t in inputs:  # inputs that no output depends on still belong to the model
        layer, node = _node_of(t)
        if layer not in op_depth:
            op_depth[layer] = 0
            op_index[layer] = -1
            node_depth[id(node)] = 0
            by_id[id(node)] = node
            ordered.insert(0, node)

    input_ids = {id(t) for t in inputs}
    for node in ordered:
        if not (node.call_args or node.call_kwargs) and id(node.outputs) not in input_ids:
            t = node.outputs
            raise ValueError(
                f"Graph disconnected: the outputs depend on Input '{t.name}' (shape "
                f"{_shape_str(t.shape)}), which is not among the model's inputs "
                f"{[x.name for x in inputs]}. Add it to inputs=[...]."
            )

    nodes_by_depth = collections.defaultdict(list)
    for node_id, depth in node_depth.items():
        nodes_by_depth[depth].append(by_id[node_id])
    ops_by_depth = collections.defaultdict(list)
    for layer, depth in op_depth.items():
        ops_by_depth[depth].append(layer)
    operations = []
    for depth in sorted(ops_by_depth, reverse=True):
        operations.extend(sorted(ops_by_depth[depth], key=lambda op: op_index[op]))

    names = [op.name for op in operations]
    for name in names:
        if names.count(name) != 1:
            raise ValueError(
                f'The name "{name}" is used {names.count(name)} times in the model. All layer '
                "names should be unique: pass name=... to the layers."
            )
    return ordered, dict(nodes_by_depth), operations


# -- rebuilding from a config ---------------------------------------------------------------

class _NotReady(Exception):
    """A node's input tensors do not exist yet (shared layers at different depths)."""


def functional_from_config(cls, config, make_layer, input_tensors=None):
    """Rebuild a functional model from ``get_config()`` output.

    ``make_layer(layer_config)`` creates each layer (deserialization, or a clone function);
    ``input_tensors`` (optional, flat in ``input_layers`` order) replaces the model's Inputs.
    """
    created: dict[str, Layer] = {}
    produced: dict[str, list] = {}
    queue: dict[str, list] = {}
    input_refs = _flatten_refs(config["input_layers"])
    replaced = {}
    if input_tensors is not None:
        if len(input_tensors) != len(input_refs):
            raise ValueError(
                f"clone_model: the model has {len(input_refs)} inputs but {len(input_tensors)} "
                "input_tensors were given"
            )
        replaced = {ref[0]: t for ref, t in zip(input_refs, input_tensors)}
    for entry in config["layers"]:
        name = entry["name"]
        if name in replaced:
            layer = replaced[name]._keras_history[0]
            produced[name] = [replaced[name]]
        else:
            if entry.get("inbound_nodes") and "build_config" in entry:
                # replaying the layer's calls builds it, for every argument it takes
                entry = {k: v for k, v in entry.items() if k != "build_config"}
            layer = make_layer(entry)
            if not isinstance(layer, Layer):
                raise ValueError(
                    f"rebuilding layer '{name}' gave a {type(layer).__name__}, not a Keras layer"
                )
            produced[name] = [n.outputs for n in layer._inbound_nodes[:1]] \
                if isinstance(layer, InputLayer) else []
        created[name] = layer
        queue[name] = list(entry.get("inbound_nodes", []))

    def tensor(ref):
        name, index, tensor_index = ref
        outs = produced.get(name)
        if outs is None:
            raise ValueError(f"the config refers to an unknown layer '{name}'")
        if index >= len(outs):
            raise _NotReady
        return _flatten(outs[index])[tensor_index]

    def decode(v):
        if isinstance(v, dict) and v.get("class_name") == "__keras_tensor__":
            return tensor(v["config"]["keras_history"])
        if isinstance(v, list):
            return [decode(x) for x in v]
        if isinstance(v, dict):
            return {k: decode(x) for k, x in v.items()}
        return v

    while any(queue.values()):
        progress = False
        for entry in config["layers"]:
            name = entry["name"]
            layer = created[name]
            while queue[name]:
                node_data = queue[name][0]
                try:
                    args = decode(node_data.get("args", []))
                    kwargs = decode(node_data.get("kwargs", {}))
                except _NotReady:
                    break
                produced[name].append(layer(*args, **kwargs))
                queue[name].pop(0)
                progress = True
        if not progress:
            stuck = [name for name, nodes in queue.items() if nodes]
            raise ValueError(
                f"cannot rebuild the functional model: the calls of layers {stuck} refer to "
                "tensors that are never produced (corrupt config?)"
            )

    def to_tensors(refs):
        if _is_ref(refs):
            return tensor(refs)
        if isinstance(refs, dict):
            return {k: to_tensors(v) for k, v in refs.items()}
        return [to_tensors(v) for v in refs]

    inputs = to_tensors(config["input_layers"])
    outputs = to_tensors(config["output_layers"])
    return cls(inputs=inputs, outputs=outputs, name=config.get("name"),
               trainable=config.get("trainable", True))


def _is_ref(x) -> bool:
    return isinstance(x, (list, tuple)) and len(x) == 3 and isinstance(x[0], str) \
        and isinstance(x[1], int) and isinstance(x[2], int)


def _flatten_refs(refs) -> list:
    if _is_ref(refs):
        return [refs]
    if isinstance(refs, dict):
        return [r for k in sorted(refs) for r in _flatten_refs(refs[k])]
    return [r for v in refs for r in _flatten_refs(v)]
