"""ember's demo: eager tensors and autograd, then real models trained on real data, first with
the PyTorch-style API (explicit loops), then with the Keras-style API (compile / fit).

Run with `make demo`. Trains on the handwritten digits bundled with ember (no network, no
files), and on Fashion-MNIST too when its files are installed (Debian's dataset-fashion-mnist).
"""

import os
import time

import ember
from ember import nn
from ember.data import DataLoader, TensorDataset, datasets

FASHION = "/usr/share/datasets/fashion-mnist"


def eager_and_autograd():
    print("== Eager math and autograd ==")
    x = ember.tensor([1.0, 2.0, 3.0], requires_grad=True)
    w = ember.tensor([0.5, -1.0, 2.0])
    h = w * x**2
    print("h = w * x**2       =", h)
    y = (h + 3 * x).sum()
    y.backward()
    print("dy/dx = 2 w x + 3  =", x.grad)
    print("Hessian of sum(x^3) at [1, 2]:")
    print(ember.autograd.functional.hessian(lambda t: (t**3).sum(), ember.tensor([1.0, 2.0])))


def fit(model, train_loader, test_loader, epochs, lr, label, gamma=1.0):
    """The PyTorch training loop: forward, loss, backward, step; evaluate under no_grad."""
    optimizer = ember.optim.Adam(model.parameters(), lr=lr)
    scheduler = ember.optim.lr_scheduler.StepLR(optimizer, step_size=1, gamma=gamma)
    loss_fn = nn.CrossEntropyLoss()
    start = time.time()
    seen = 0
    for _ in range(epochs):
        model.train()
        for x, y in train_loader:
            optimizer.zero_grad()
            loss = loss_fn(model(x), y)
            loss.backward()
            optimizer.step()
            seen += len(y)
        scheduler.step()
    elapsed = time.time() - start
    model.eval()
    correct = total = 0
    with ember.no_grad():
        for x, y in test_loader:
            correct += (model(x).argmax(1) == y).sum().item()
            total += len(y)
    acc = correct / total
    print(f"{label:44s} test accuracy {100 * acc:6.2f}%   "
          f"({epochs} epochs, {elapsed:5.1f} s, {seen / elapsed:8.0f} samples/s)")
    return acc


def digits():
    print("\n== Handwritten digits (8x8, 1,797 images, bundled with ember) ==")
    train, test = datasets.Digits(train=True), datasets.Digits(train=False)
    xtr = train.data.reshape(-1, 1, 8, 8) / 16.0
    xte = test.data.reshape(-1, 1, 8, 8) / 16.0
    train_loader = DataLoader(TensorDataset(xtr, train.targets), batch_size=32, shuffle=True)
    test_loader = DataLoader(TensorDataset(xte, test.targets), batch_size=256)
    mlp = nn.Sequential(nn.Flatten(), nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 10))
    fit(mlp, train_loader, test_loader, epochs=30, lr=1e-3, label="MLP 64-128-10")
    cnn = nn.Sequential(
        nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(32 * 2 * 2, 10),
    )
    fit(cnn, train_loader, test_loader, epochs=30, lr=3e-3, label="CNN conv16-conv32-linear")


def fashion_mnist():
    if not os.path.isdir(FASHION):
        print(f"\n(Fashion-MNIST skipped: {FASHION} is absent; "
              "`apt-get install dataset-fashion-mnist` adds it.)")
        return
    print("\n== Fashion-MNIST (70,000 real 28x28 images) ==")
    train = datasets.FashionMNIST(FASHION, train=True)
    test = datasets.FashionMNIST(FASHION, train=False)
    # Normalising the whole uint8 array at once (instead of a transform per image) and serving
    # batches from a TensorDataset keeps the loader out of the way.
    xtr = (train.data.float() / 255.0 - 0.2860) / 0.3530
    xte = (test.data.float() / 255.0 - 0.2860) / 0.3530
    train_loader = DataLoader(TensorDataset(xtr.unsqueeze(1), train.targets), batch_size=64,
                              shuffle=True)
    test_loader = DataLoader(TensorDataset(xte.unsqueeze(1), test.targets), batch_size=1000)
    mlp = nn.Sequential(nn.Flatten(), nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128),
                        nn.ReLU(), nn.Linear(128, 10))
    fit(mlp, train_loader, test_loader, epochs=5, lr=1e-3, gamma=0.7,
        label="MLP 784-256-128-10 (W1)")


def keras_face():
    """The same library through Keras's API: Sequential, compile, fit, evaluate."""
    from ember import keras
    from ember.keras import layers

    print("\n== The Keras face: `from ember import keras` ==")
    keras.utils.set_random_seed(0)
    train, test = datasets.Digits(train=True), datasets.Digits(train=False)
    x_train = train.data.numpy().reshape(-1, 8, 8, 1) / 16.0
    x_test = test.data.numpy().reshape(-1, 8, 8, 1) / 16.0
    model = keras.Sequential([
        keras.Input(shape=(8, 8, 1)),
        layers.Conv2D(16, 3, padding="same", activation="relu"),
        layers.MaxPooling2D(),
        layers.Flatten(),
        layers.Dropout(0.2),
        layers.Dense(10, activation="softmax"),
    ])
    model.summary()
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(x_train, train.targets.numpy(), batch_size=32, epochs=15, validation_split=0.1,
              verbose=0)
    _, acc = model.evaluate(x_test, test.targets.numpy(), verbose=0)
    print(f"{'Keras Conv2D-Dense on digits (fit, 15 epochs)':44s} test accuracy {100 * acc:6.2f}%")

    if not os.path.isdir(FASHION):
        return
    print("\nTensorFlow's basic-classification tutorial, unchanged but for the import:")
    (x_train, y_train), (x_test, y_test) = keras.datasets.fashion_mnist.load_data(path=FASHION)
    x_train, x_test = x_train / 255.0, x_test / 255.0
    model = keras.Sequential([
        layers.Flatten(input_shape=(28, 28)),
        layers.Dense(128, activation="relu"),
        layers.Dense(10),
    ])
    model.compile(optimizer="adam",
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=["accuracy"])
    model.fit(x_train, y_train, epochs=3, verbose=2)
    _, acc = model.evaluate(x_test, y_test, verbose=0)
    print(f"{'Keras Flatten-Dense128-Dense10 (3 epochs)':44s} test accuracy {100 * acc:6.2f}%")


if __name__ == "__main__":
    ember.manual_seed(0)
    eager_and_autograd()
    digits()
    fashion_mnist()
    keras_face()
