"""``plot_history``: the training curves of a ``fit`` as a PNG (needs matplotlib, optional).

One panel per metric (``loss`` first), the training values and, when present, the validation
(``val_``) values against the epoch (1-based, as Keras prints it).

>>> series({"loss": [1.0, 0.5], "val_loss": [1.2, 0.7], "accuracy": [0.5, 0.8]})
[('loss', [1.0, 0.5], [1.2, 0.7]), ('accuracy', [0.5, 0.8], None)]
"""

from __future__ import annotations

import os

__all__ = ["plot_history", "series"]


def series(history) -> list:
    """``[(metric, train values, validation values or None), ...]``, ``loss`` first."""
    logs = getattr(history, "history", history)
    if not isinstance(logs, dict):
        raise TypeError(
            f"plot_history: expected a History (what fit returns) or its .history dict, got "
            f"{type(history).__name__}"
        )
    names = [k for k in logs if not k.startswith("val_")]
    names += [k[4:] for k in logs if k.startswith("val_") and k[4:] not in logs]
    names.sort(key=lambda k: (k != "loss", list(logs).index(k) if k in logs else len(logs)))
    return [(k, logs.get(k), logs.get("val_" + k)) for k in names]


def plot_history(history, path, title=None) -> str:
    """Write the curves of ``history`` (a ``History`` or its dict) to the PNG ``path``.

    Returns the path. Raises ImportError when matplotlib is not installed.
    """
    try:
        import matplotlib

        matplotlib.use("Agg", force=False)
        from matplotlib import pyplot as plt
    except ImportError:
        raise ImportError(
            "plot_history needs matplotlib, which is not installed: pip install matplotlib"
        ) from None
    panels = series(history)
    if not panels:
        raise ValueError("plot_history: the history is empty (did fit run any epoch?)")
    fig, axes = plt.subplots(1, len(panels), figsize=(4.5 * len(panels), 3.5), squeeze=False)
    for ax, (name, train, val) in zip(axes[0], panels):
        if train is not None:
            ax.plot(range(1, len(train) + 1), train, marker="o", label=name)
        if val is not None:
            ax.plot(range(1, len(val) + 1), val, marker="o", label="val_" + name)
        ax.set_xlabel("epoch")
        ax.set_title(name)
        ax.grid(alpha=0.3)
        ax.legend()
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    path = os.fspath(path)
    fig.savefig(path, format="png", dpi=100)
    plt.close(fig)
    return path
