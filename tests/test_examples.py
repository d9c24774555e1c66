"""The Keras examples run end to end on real data (short budgets; skipped when data is absent)."""

import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FASHION = "/usr/share/datasets/fashion-mnist"
FORTUNES = "/usr/share/games/fortunes"


def run_example(name, *args):
    out = subprocess.run([sys.executable, os.path.join(ROOT, "examples", name), *args],
                         capture_output=True, text=True, timeout=600, cwd=ROOT)
    assert out.returncode == 0, out.stderr[-3000:]
    return out.stdout


@pytest.mark.skipif(not os.path.isdir(FASHION), reason="dataset-fashion-mnist not installed")
def test_keras_fashion_mnist_walkthrough():
    out = run_example("keras_fashion_mnist.py", "--epochs", "1", "--verbose", "2")
    assert "Total params: 101,770 (397.54 KB)" in out
    assert "\n1875/1875 - " in out  # Keras prints "Epoch i/n" only when n > 1
    acc = float(out.split("Test accuracy:")[1].split()[0])
    assert acc > 0.80  # Keras reaches 0.82-0.84 after one epoch


@pytest.mark.skipif(not os.path.isdir(FORTUNES), reason="fortunes not installed")
def test_fortunes_split():
    sys.path.insert(0, os.path.join(ROOT, "examples"))
    try:
        from keras_text_fortunes import TOPICS, load_fortunes
    finally:
        sys.path.pop(0)
    (x_train, y_train), (x_test, y_test) = load_fortunes()
    assert len(x_train) + len(x_test) == 3099
    assert sorted(set(y_test.tolist())) == list(range(len(TOPICS)))
    for label in range(len(TOPICS)):  # stratified: 20% of each topic is held out
        n_train, n_test = (y_train == label).sum(), (y_test == label).sum()
        assert abs(n_test / (n_train + n_test) - 0.2) < 0.01
    assert all(isinstance(t, str) and t.strip() and "\n%\n" not in t for t in x_train)
    assert set(y_train[-len(y_train) // 10:].tolist()) == set(range(len(TOPICS)))  # shuffled
