"""The backward engine: runs graph nodes in dependency order, without recursion.

The graph is walked once to count, for every node, how many edges lead into it. A node runs
when all gradients for it have arrived; its input gradients are summed into the next nodes'
buffers. The walk is iterative, so a chain of 10,000 ops needs no deep Python stack.
"""

from __future__ import annotations

from ..backend.errstate import quiet
from . import function as _fn
from .function import AccumulateGrad, edge_of
from .grad_mode import state


def _check_root(i, t, g):
    Tensor = _fn.Tensor
    if not t._requires_grad:
        raise RuntimeError(
            f"element {i} of tensors does not require grad and does not have a grad_fn. "
            "Make a leaf require grad (`x.requires_grad_()` or `ember.tensor(..., "
            "requires_grad=True)`) and make sure the value was not computed under no_grad()."
        )
    if g is None:
        if t.numel() != 1:
            raise RuntimeError(
                f"grad can be implicitly created only for scalar outputs, but this tensor has "
                f"shape {tuple(t.shape)}. Reduce it first (e.g. `loss.sum().backward()` or "
                "`loss.mean().backward()`) or pass `gradient=` a tensor of the same shape "
                "holding d(objective)/d(this tensor)."
            )
        xp = t.xp
        return Tensor._make(xp.ones(t._data.shape, dtype=t._data.dtype))
    if not isinstance(g, Tensor):
        g = Tensor._make(t.xp.asarray(g, dtype=t._data.dtype))
    if tuple(g.shape) != tuple(t.shape):
        raise RuntimeError(
            f"backward(): gradient has shape {tuple(g.shape)} but the output has shape "
            f"{tuple(t.shape)}; pass a gradient of the output's shape"
        )
    return g


def _collect(root_nodes):
    """Count incoming edges for every node reachable from the roots (iteratively)."""
    deps = {}
    seen = set(root_nodes)
    stack = list(root_nodes)
    while stack:
        node = stack.pop()
        for edge in node.next_functions:
            if edge is None:
                continue
            nxt = edge[0]
            deps[nxt] = deps.get(nxt, 0) + 1
            if nxt not in seen:
                seen.add(nxt)
                stack.append(nxt)
    return deps


def _needed(root_nodes, deps, targets):
    """Nodes from which some target can be reached, so ``autograd.grad`` runs nothing else."""
    remaining = dict(deps)
    topo = []
    ready = [n for n in root_nodes if remaining.get(n, 0) == 0]
    while ready:
        node = ready.pop()
        topo.append(node)
        for edge in node.next_functions:
            if edge is not None:
                remaining[edge[0]] -= 1
                if remaining[edge[0]] == 0:
                    ready.append(edge[0])
    needed = set(targets)
    for node in reversed(topo):
        if node in needed:
            continue
        if any(e is not None and e[0] in needed for e in node.next_functions):
            needed.add(node)
    return needed


def _accumulate(buffers, node, nr, grad, n_slots):
    slots = buffers.get(node)
    if slots is None:
        slots = [None] * n_slots
        buffers[node] = slots
    cur = slots[nr]
    slots[nr] = grad if cur is None else cur + grad


def _store_leaf_grad(leaf, grad, create_graph, handed):
    Tensor = _fn.Tensor
    for hook in leaf._hooks or ():
        r = hook(grad)
        if r is not None:
            grad = r
    if leaf._grad is None:
        if create_graph:
            leaf._grad = grad
            return
        data = grad._data
        # Keep the buffer when nobody else can see it; otherwise copy so that a later in-place
        # accumulation (or the user's ``grad.zero_()``) cannot change another tensor's gradient.
        if id(grad) in handed or data.base is not None or not data.flags.writeable:
            data = data.copy()
        handed[id(grad)] = grad  # kept alive, so that its id can't be reused in this backward
        leaf._grad = Tensor._make(data)
    elif create_graph or leaf._grad._requires_grad:
        leaf._grad = leaf._grad + grad
    else:
        leaf._grad._data += grad._data
        leaf._grad._vc[0] += 1


def run_backward(roots, grad_roots, retain_graph=None, create_graph=False, inputs=None,
                 allow_unused=False):
    """Backpropagate from ``roots``; accumulate into leaves, or return grads for ``inputs``."""
    if retain_graph is None:
        retain_graph = create_graph
    root_edges = []
    root_grads = []
    for i, (t, g) in enumerate(zip(roots, grad_roots)):
        root_grads.append(_check_root(i, t, g))
        root_edges.append(edge_of(t))

    capture = None
    if inputs is not None:
        capture = {}
        for j, t in enumerate(inputs):
            if not t._requires_grad:
                raise RuntimeError(
                    f"grad(): input {j} does not require grad; call `requires_grad_()` on it "
                    "before computing the outputs"
                )
            capture.setdefault(edge_of(t), []).append(j)

    buffers = {}
    for (node, nr), g in zip(root_edges, root_grads):
        _accumulate(buffers, node, nr, g, getattr(node, "_n_outputs", 1))
    root_nodes = list(dict.fromkeys(node for node, _ in root_edges))
    deps = _collect(root_nodes)
    needed = None
    if capture is not None:
        needed = _needed(root_nodes, deps, {edge[0] for edge in capture})

    results = [None] * (len(inputs) if inputs is not None else 0)
    ready = [n for n in root_nodes if deps.get(n, 0) == 0]
    # User-supplied gradients must be copied before they become someone's .grad. Keyed by id,
    # holding the tensors: a freed tensor's id is reused (a set of ids made W1 copy two of its
    # six gradients every step).
    handed = {id(g): g for g in grad_roots if g is not None}
    prev = state.enabled
    state.enabled = create_graph
    # Backward formulas divide by inputs and outputs (log, sqrt, div): like PyTorch, inf/nan
    # results are values, not warnings.
    errstate = quiet()
    errstate.__enter__()
    try:
        while ready:
            node = ready.pop()
            grads = buffers.pop(node, None) or [None]
            if capture is not None:
                for nr, g in enumerate(grads):
                    for j in capture.get((node, nr), ()):
                        results[j] = g
            run = needed is None or node in needed
            if run and isinstance(node, AccumulateGrad):
                if capture is None:
                    _store_leaf_grad(node.variable, grads[0], create_graph, handed)
                run = False
            if run and all(g is None for g in grads):
                run = False  # nothing flows through this node
            in_grads = _run_node(node, grads, retain_graph) if run else ()
            for edge, g in zip(node.next_functions, in_grads):
                if edge is None:
                    continue
                nxt, nr = edge
                if g is not None:
                    _accumulate(buffers, nxt, nr, g, getattr(nxt, "_n_outputs", 1))
            for edge in node.next_functions:
                if edge is None:
                    continue
                nxt = edge[0]
                deps[nxt] -= 1
                if deps[nxt] == 0:
                    ready.append(nxt)
    finally:
        errstate.__exit__(None, None, None)
        state.enabled = prev

    if inputs is not None:
        for j, r in enumerate(results):
            if r is None and not allow_unused:
                raise RuntimeError(
                    f"grad(): input {j} was not used to compute the outputs (its gradient "
                    "would be None). Pass allow_unused=True to get None for it."
                )
        return tuple(results)
    return None


def _run_node(node, grads, retain_graph):
    Tensor = _fn.Tensor
    pre = getattr(node, "_tensor_pre_hooks", None)
    if pre:
        for nr, hooks in pre.items():
            for hook in hooks:
                r = hook(grads[nr]) if grads[nr] is not None else None
                if r is not None:
                    grads[nr] = r
    for hook in node.__dict__.get("_node_pre_hooks", ()):
        r = hook(tuple(grads))
        if r is not None:
            grads = list(r)
    if getattr(node, "materialize_grads", True) and any(g is None for g in grads):
        # A missing gradient for one output of a multi-output op is zeros of that output.
        xp, meta = node._output_meta
        grads = [
            Tensor._make(xp.zeros(m[0], dtype=m[1])) if g is None else g
            for g, m in zip(grads, meta)
        ]
    in_grads = node._run_backward(grads)
    if state.anomaly:
        _check_anomaly(node, in_grads)
    for hook in node.__dict__.get("_post_hooks", ()):
        hook(in_grads, tuple(grads))
    if not retain_graph and hasattr(node, "_free"):
        node._free()
    return in_grads


def _check_anomaly(node, in_grads):
    for i, g in enumerate(in_grads):
        if g is None:
            continue
        xp = g.xp
        if bool(xp.isnan(g._data).any()):
            trace = "".join(node.__dict__.get("_trace", ()))
            where = f"\nThe forward call that created it:\n{trace}" if trace else ""
            raise RuntimeError(
                f"Function '{node.name()}' returned nan values in its {i}th output.{where}"
            )
