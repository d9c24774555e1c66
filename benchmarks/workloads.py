"""The workloads of BENCHMARKS.md, each written once and run on ember and on PyTorch.

ember mirrors PyTorch's names (``nn.Linear``, ``optim.Adam``, ``nn.functional.cross_entropy``,
``from_numpy``, ``no_grad``), so every PyTorch-face workload is one function that takes the
library module (``ember`` or ``torch``) and returns a zero-argument callable doing one unit of
work. The very same lines then run on both libraries: shapes, dtypes (float32 throughout),
hyper-parameters and the order of operations cannot drift apart. Weights are initialised by
each library from a fixed seed (the same initial weights are not needed for speed).

Data are synthetic NumPy arrays of the right shapes from a fixed seed, made before the callable
is returned, so data generation never lands in a timed region.

A training step is what a user writes: ``zero_grad``, forward, loss, ``backward``, ``step``.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

MLP_SIZES = (784, 256, 128, 10)
CNN_BATCH = 128
TEXT_BATCH, TEXT_VOCAB, TEXT_LEN, TEXT_DIM = 64, 20000, 80, 64
KERAS_BATCH = 128


def _rng(seed: int = 0) -> np.random.Generator:
    return np.random.default_rng(seed)


def _seed(lib, seed: int = 0) -> None:
    lib.manual_seed(seed)


def _train_step(lib, model, loss_fn, inputs, target) -> Callable[[], None]:
    """One optimizer step of ``model`` with Adam(lr=1e-3) on a fixed batch."""
    optimizer = lib.optim.Adam(model.parameters(), lr=1e-3)

    def step() -> None:
        optimizer.zero_grad()
        loss = loss_fn(model(inputs), target)
        loss.backward()
        optimizer.step()

    return step


# --- W1 / W4: MLP 784-256-128-10 ------------------------------------------------------------


def mlp(lib):
    """784-256-128-10 with ReLU, logits out (softmax lives in the cross-entropy)."""
    nn = lib.nn
    i, h1, h2, o = MLP_SIZES
    return nn.Sequential(nn.Linear(i, h1), nn.ReLU(), nn.Linear(h1, h2), nn.ReLU(),
                         nn.Linear(h2, o))


def mlp_forward_flops() -> int:
    """Multiply-add FLOPs of one sample through the MLP (2 per weight)."""
    return sum(2 * a * b for a, b in zip(MLP_SIZES, MLP_SIZES[1:]))


def mlp_train(lib, batch: int) -> Callable[[], None]:
    """W1: one training step of the MLP, cross-entropy, Adam 1e-3."""
    _seed(lib)
    rng = _rng()
    x = lib.from_numpy(rng.standard_normal((batch, MLP_SIZES[0]), dtype=np.float32))
    y = lib.from_numpy(rng.integers(0, MLP_SIZES[-1], size=batch, dtype=np.int64))
    return _train_step(lib, mlp(lib), lib.nn.functional.cross_entropy, x, y)


def mlp_predict(lib) -> Callable[[], None]:
    """W4: the MLP's forward pass on one sample under ``no_grad`` (eval mode)."""
    _seed(lib)
    model = mlp(lib)
    model.eval()
    x = lib.from_numpy(_rng().standard_normal((1, MLP_SIZES[0]), dtype=np.float32))

    def predict() -> None:
        with lib.no_grad():
            model(x)

    return predict


# --- W2: CNN ------------------------------------------------------------------------------------


def cnn(lib):
    """Conv 32 3x3, ReLU, MaxPool 2, Conv 64 3x3, ReLU, MaxPool 2, Flatten, Dropout, Linear."""
    nn = lib.nn
    return nn.Sequential(
        nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Dropout(0.5), nn.Linear(1600, 10),
    )


def cnn_forward_flops() -> int:
    """Multiply-add FLOPs of one 28x28 sample through the CNN's convolutions and Linear."""
    conv1 = 2 * (26 * 26 * 32) * (3 * 3 * 1)
    conv2 = 2 * (11 * 11 * 64) * (3 * 3 * 32)
    linear = 2 * 1600 * 10
    return conv1 + conv2 + linear


def cnn_train(lib, batch: int = CNN_BATCH) -> Callable[[], None]:
    """W2: one training step of the CNN on 28x28 single-channel images."""
    _seed(lib)
    rng = _rng()
    x = lib.from_numpy(rng.standard_normal((batch, 1, 28, 28), dtype=np.float32))
    y = lib.from_numpy(rng.integers(0, 10, size=batch, dtype=np.int64))
    return _train_step(lib, cnn(lib), lib.nn.functional.cross_entropy, x, y)


# --- W3: Embedding + LSTM text classifier -------------------------------------------------------


def text_classifier(lib):
    """Embedding(20000, 64) -> LSTM(64, 64, batch_first) -> last hidden state -> Linear(64, 1)."""
    nn = lib.nn

    class TextClassifier(nn.Module):
        def __init__(self):
            super().__init__()
            self.embedding = nn.Embedding(TEXT_VOCAB, TEXT_DIM)
            self.lstm = nn.LSTM(TEXT_DIM, TEXT_DIM, batch_first=True)
            self.head = nn.Linear(TEXT_DIM, 1)

        def forward(self, tokens):
            _, (hidden, _) = self.lstm(self.embedding(tokens))
            return self.head(hidden[-1]).squeeze(1)

    return TextClassifier()


def text_train(lib, batch: int = TEXT_BATCH) -> Callable[[], None]:
    """W3: one training step of the text classifier, BCE-with-logits, Adam 1e-3."""
    _seed(lib)
    rng = _rng()
    tokens = lib.from_numpy(rng.integers(0, TEXT_VOCAB, size=(batch, TEXT_LEN), dtype=np.int64))
    labels = lib.from_numpy(rng.integers(0, 2, size=batch).astype(np.float32))
    loss_fn = lib.nn.functional.binary_cross_entropy_with_logits
    return _train_step(lib, text_classifier(lib), loss_fn, tokens, labels)


# --- W6: the Keras face, fit against an explicit loop -------------------------------------------


def keras_mlp(keras):
    """W1's MLP with Keras layers; softmax output for the string loss's probabilities."""
    layers = keras.layers
    return keras.Sequential([
        keras.Input(shape=(MLP_SIZES[0],)),
        layers.Dense(MLP_SIZES[1], activation="relu"),
        layers.Dense(MLP_SIZES[2], activation="relu"),
        layers.Dense(MLP_SIZES[3], activation="softmax"),
    ])


def keras_cnn(keras):
    """W2's CNN with Keras layers, channels-last (N, 28, 28, 1)."""
    layers = keras.layers
    return keras.Sequential([
        keras.Input(shape=(28, 28, 1)),
        layers.Conv2D(32, 3, activation="relu"),
        layers.MaxPooling2D(2),
        layers.Conv2D(64, 3, activation="relu"),
        layers.MaxPooling2D(2),
        layers.Flatten(),
        layers.Dropout(0.5),
        layers.Dense(10, activation="softmax"),
    ])


def keras_data(model_name: str, samples: int) -> tuple[np.ndarray, np.ndarray]:
    """Synthetic float32 inputs and int64 labels for ``keras_mlp`` or ``keras_cnn``."""
    shape = (MLP_SIZES[0],) if model_name == "mlp" else (28, 28, 1)
    rng = _rng()
    x = rng.standard_normal((samples, *shape), dtype=np.float32)
    y = rng.integers(0, 10, size=samples, dtype=np.int64)
    return x, y


def _keras_model(keras, model_name: str):
    return keras_mlp(keras) if model_name == "mlp" else keras_cnn(keras)


def keras_fit_epoch(model_name: str, samples: int) -> Callable[[], None]:
    """W6: one epoch of ``model.fit(x, y, batch_size=128, epochs=1, verbose=0)``."""
    import ember
    import ember.keras as keras

    ember.manual_seed(0)
    x, y = keras_data(model_name, samples)
    model = _keras_model(keras, model_name)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")

    def epoch() -> None:
        model.fit(x, y, batch_size=KERAS_BATCH, epochs=1, verbose=0)

    return epoch


def keras_loop_epoch(model_name: str, samples: int) -> Callable[[], None]:
    """W6 reference: the same Keras model trained by hand, one epoch per call.

    The loop is Keras 3's "training loop from scratch" for the torch backend, and does what
    ``fit`` has to do and nothing more: shuffle the indices each epoch, gather a batch of 128
    from the arrays and wrap it, forward with ``training=True``, the same loss,
    ``model.zero_grad()``, ``backward``, then the same optimizer ``fit`` uses
    (``keras.optimizers.Adam``, what ``compile(optimizer="adam")`` builds) applied to the
    trainable weights' gradients. With the same update code on both sides the ratio is the
    cost of ``fit``'s own machinery (data adapter, callbacks, loss tracking, logs).
    """
    import ember
    import ember.keras as keras

    ember.manual_seed(0)
    x, y = keras_data(model_name, samples)
    model = _keras_model(keras, model_name)
    model(ember.from_numpy(x[:1]))  # builds the weights if the layers build lazily
    loss_fn = keras.losses.SparseCategoricalCrossentropy()
    optimizer = keras.optimizers.Adam(learning_rate=1e-3)
    weights = list(model.trainable_weights)
    rng = _rng(1)

    def epoch() -> None:
        order = rng.permutation(samples)
        for start in range(0, samples, KERAS_BATCH):
            index = order[start:start + KERAS_BATCH]
            xb, yb = ember.from_numpy(x[index]), ember.from_numpy(y[index])
            loss = loss_fn(yb, model(xb, training=True))
            model.zero_grad()
            loss.backward()
            optimizer.apply([w.grad for w in weights], weights)

    return epoch


# --- the registry used by run.py and memory.py --------------------------------------------------

TRAINING = {
    "W1": mlp_train,
    "W2": cnn_train,
    "W3": text_train,
}
