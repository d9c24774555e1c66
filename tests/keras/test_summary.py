"""model.summary(): Keras 3's table, character for character; plot_model's DOT text."""

import shutil
import subprocess

import numpy as np
import pytest

import ember
from ember.keras import backend, layers, plot
from ember.keras.models import Model, Sequential
from ember.keras.summary import _column_widths, _wrap, readable_memory_size


@pytest.fixture(autouse=True)
def _fresh_names_and_width(monkeypatch):
    backend.clear_session()
    monkeypatch.setenv("COLUMNS", "80")


def summary_text(model, **kwargs):
    captured = []
    model.summary(print_fn=captured.append, **kwargs)
    assert len(captured) == 1  # Keras 3 hands the whole table to print_fn at once
    return captured[0]


# The Fashion-MNIST walk-through's summary as Keras 3 prints it in an 80-column terminal.
FASHION = '''\
Model: "sequential"
┏━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━┓
┃ Layer (type)                    ┃ Output Shape           ┃       Param # ┃
┡━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━┩
│ flatten (Flatten)               │ (None, 784)            │             0 │
├─────────────────────────────────┼────────────────────────┼───────────────┤
│ dense (Dense)                   │ (None, 128)            │       100,480 │
├─────────────────────────────────┼────────────────────────┼───────────────┤
│ dense_1 (Dense)                 │ (None, 10)             │         1,290 │
└─────────────────────────────────┴────────────────────────┴───────────────┘
 Total params: 101,770 (397.54 KB)
 Trainable params: 101,770 (397.54 KB)
 Non-trainable params: 0 (0.00 B)
'''


def fashion_model(**kwargs):
    return Sequential([layers.Input(shape=(28, 28)), layers.Flatten(),
                       layers.Dense(128, activation="relu"), layers.Dense(10)], **kwargs)


def test_sequential_summary_matches_keras_exactly():
    assert summary_text(fashion_model()) == FASHION


def test_summary_prints_to_stdout_by_default(capsys):
    fashion_model().summary()
    assert capsys.readouterr().out == FASHION


def test_model_built_by_a_call_shows_batch_none_shapes():
    model = Sequential([layers.Flatten(), layers.Dense(128, activation="relu"), layers.Dense(10)])
    model(np.zeros((32, 28, 28), "float32"))
    assert summary_text(model) == FASHION


def test_unbuilt_model_prints_question_marks_like_keras_3():
    model = Sequential([layers.Dense(64, activation="relu"), layers.Dense(1)])
    assert summary_text(model) == '''\
Model: "sequential"
┏━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━┓
┃ Layer (type)                    ┃ Output Shape           ┃       Param # ┃
┡━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━┩
│ dense (Dense)                   │ ?                      │   0 (unbuilt) │
├─────────────────────────────────┼────────────────────────┼───────────────┤
│ dense_1 (Dense)                 │ ?                      │   0 (unbuilt) │
└─────────────────────────────────┴────────────────────────┴───────────────┘
 Total params: 0 (0.00 B)
 Trainable params: 0 (0.00 B)
 Non-trainable params: 0 (0.00 B)
'''


def test_functional_graph_gets_the_connected_to_column(monkeypatch):
    monkeypatch.setenv("COLUMNS", "100")  # the default width is then min(108, 100 - 4)
    a, b = layers.Input(shape=(4,), name="a"), layers.Input(shape=(3,), name="b")
    h = layers.Concatenate()([layers.Dense(5)(a), b])
    model = Model([a, b], layers.Dense(2)(h), name="two_inputs")
    assert summary_text(model) == '''\
Model: "two_inputs"
┏━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━┓
┃ Layer (type)              ┃ Output Shape           ┃        Param # ┃ Connected to           ┃
┡━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━┩
│ a (InputLayer)            │ (None, 4)              │              0 │ -                      │
├───────────────────────────┼────────────────────────┼────────────────┼────────────────────────┤
│ dense (Dense)             │ (None, 5)              │             25 │ a[0][0]                │
├───────────────────────────┼────────────────────────┼────────────────┼────────────────────────┤
│ b (InputLayer)            │ (None, 3)              │              0 │ -                      │
├───────────────────────────┼────────────────────────┼────────────────┼────────────────────────┤
│ concatenate (Concatenate) │ (None, 8)              │              0 │ dense[0][0], b[0][0]   │
├───────────────────────────┼────────────────────────┼────────────────┼────────────────────────┤
│ dense_1 (Dense)           │ (None, 2)              │             18 │ concatenate[0][0]      │
└───────────────────────────┴────────────────────────┴────────────────┴────────────────────────┘
 Total params: 43 (172.00 B)
 Trainable params: 43 (172.00 B)
 Non-trainable params: 0 (0.00 B)
'''


def test_chain_functional_model_is_printed_like_a_sequential_one():
    x = layers.Input(shape=(3,))
    model = Model(x, layers.Dense(2)(layers.Dense(4)(x)))
    lines = summary_text(model).splitlines()
    assert lines[2:5:2] == [
        "┃ Layer (type)                    ┃ Output Shape           ┃       Param # ┃",
        "│ input_layer (InputLayer)        │ (None, 3)              │             0 │",
    ]


def test_optimizer_params_appear_once_the_optimizer_has_state():
    ember.manual_seed(0)
    model = fashion_model()
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    assert "Optimizer params" not in summary_text(model)
    model.fit(np.zeros((8, 28, 28), "float32"), np.zeros(8, "int64"), epochs=1, verbose=0)
    footer = summary_text(model).splitlines()[-4:]
    # Keras 3: Adam's m and v for each of the 101,770 weights, plus iterations and learning rate
    assert footer == [" Total params: 305,312 (1.16 MB)",
                      " Trainable params: 101,770 (397.54 KB)",
                      " Non-trainable params: 0 (0.00 B)",
                      " Optimizer params: 203,542 (795.09 KB)"]


def test_show_trainable_and_non_trainable_weights():
    model = Sequential([layers.Input(shape=(4,)), layers.Dense(3), layers.BatchNormalization(),
                        layers.Dropout(0.1)])
    model.layers[0].trainable = False
    lines = summary_text(model, show_trainable=True).splitlines()
    # 76 columns leave the Trainable header 5 characters: rich shortens it as Keras shows
    assert [lines[2], lines[4], lines[7]] == [
        "┃ Layer (type)                ┃ Output Shape          ┃    Param # ┃ Trai… ┃",
        "│ dense (Dense)               │ (None, 3)             │         15 │   N   │",
        "│ (BatchNormalization)        │                       │            │       │",
    ]
    assert lines[9].endswith("│          0 │   -   │")
    assert lines[-3:] == [" Total params: 27 (108.00 B)", " Trainable params: 6 (24.00 B)",
                          " Non-trainable params: 21 (84.00 B)"]


def test_expand_nested_and_layer_range():
    inp = layers.Input(shape=(4,))
    inner = Model(inp, layers.Dense(3, name="inner_dense")(inp), name="inner")
    x = layers.Input(shape=(4,))
    model = Model(x, layers.Dense(1, name="head")(inner(x)))
    rows = [line for line in summary_text(model, expand_nested=True).splitlines()
            if line.startswith("│")]
    assert rows[1].startswith("│ inner (Functional)              │ (None, 3)              │")
    assert rows[2].startswith("│    └ input_layer (InputLayer)   │ (None, 4)")
    assert rows[3].startswith("│    └ inner_dense (Dense)        │ (None, 3)")
    ranged = [line for line in summary_text(model, layer_range=["inner", "head"]).splitlines()
              if line.startswith("│")]
    assert [r.split()[1] for r in ranged] == ["inner", "head"]
    with pytest.raises(ValueError, match="do not match the layer names"):
        model.summary(layer_range=["nope", "head"])


def test_line_length_positions_wrapping_and_cropping():
    text = summary_text(fashion_model(), line_length=50, positions=[0.5, 0.8, 1.0])
    assert text.splitlines()[1] == "┏" + "━" * 24 + "┳" + "━" * 13 + "┳" + "━" * 9 + "┓"
    with pytest.raises(ValueError, match="Insufficient console width"):
        fashion_model().summary(line_length=10)
    wide = summary_text(fashion_model(), line_length=120)
    assert all(len(line) <= 80 for line in wide.splitlines())  # rich crops to the console
    model = Sequential([layers.Input(shape=(2,)),
                        layers.Dense(2, name="a_really_long_layer_name_that_cannot_fit")])
    rows = summary_text(model, line_length=40).splitlines()
    assert rows[2:4] == ["┃                 ┃ Output     ┃ Param ┃",  # headers sit low
                         "┃ Layer (type)    ┃ Shape      ┃     # ┃"]
    assert rows[5:7] == ["│ a_really_long_… │ (None, 2)  │     6 │",
                         "│ (Dense)         │            │       │"]


def test_subclassed_model_rows_use_the_shapes_seen_when_built():
    class Net(Model):
        def __init__(self):
            super().__init__()
            self.hidden = layers.Dense(4)
            self.out = layers.Dense(2)

        def call(self, inputs):
            return self.out(self.hidden(inputs))

    model = Net()
    assert "0 (unbuilt)" in summary_text(model)
    model(np.ones((5, 3), "float32"))
    rows = [line for line in summary_text(model).splitlines() if line.startswith("│")]
    assert rows == [
        "│ dense (Dense)                   │ (5, 4)                 │            16 │",
        "│ dense_1 (Dense)                 │ (5, 2)                 │            10 │",
    ]


def test_layout_helpers_follow_rich():
    assert _column_widths([34, 26, 16], 76) == [33, 24, 15]
    assert _column_widths([32, 28, 19, 29], 108) == [31, 27, 17, 28]
    assert _wrap("dense[0][0], b[0][0]", 10, "left") == ["dense[0][…", "b[0][0]   "]
    assert _wrap("12,345", 8, "right") == ["  12,345"]
    assert _wrap("Y", 5, "center") == ["  Y  "]
    assert readable_memory_size(407080) == "397.54 KB"
    assert readable_memory_size(0) == "0.00 B"
    assert readable_memory_size(3 * 1024 ** 3) == "3.00 GB"


# -- plot_model ---------------------------------------------------------------------------------

def small_graph():
    a = layers.Input(shape=(4,), name="a")
    b = layers.Input(shape=(2,), name="b")
    merged = layers.Concatenate(name="cat")([layers.Dense(3, name="d", activation="relu")(a), b])
    return Model([a, b], merged, name="g")


def test_model_to_dot_lists_layers_and_connections():
    text = plot.model_to_dot(small_graph(), show_shapes=True, show_layer_activations=True,
                             rankdir="LR")
    lines = text.splitlines()
    assert lines[0] == 'digraph "g" {' and lines[-1] == "}"
    assert "rankdir=LR" in lines[1]
    assert "<b>d (Dense)</b>" in text and "Activation: relu" in text
    assert "Input shape: [(None, 3), (None, 2)]" in text and "Output shape: (None, 5)" in text
    edges = [line.strip() for line in lines if "->" in line]
    assert edges == ["n0 -> n1;", "n1 -> n3;", "n2 -> n3;"]
    with pytest.raises(ValueError, match="rankdir must be 'TB' or 'LR'"):
        plot.model_to_dot(small_graph(), rankdir="BT")


def test_plot_model_without_graphviz_says_what_to_install(monkeypatch, tmp_path):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    with pytest.raises(ImportError, match="apt-get install graphviz.*pydot is not needed"):
        plot.plot_model(small_graph(), to_file=str(tmp_path / "model.png"))
    plot.plot_model(small_graph(), to_file=str(tmp_path / "model.dot"))  # no Graphviz needed
    assert (tmp_path / "model.dot").read_text().startswith('digraph "g" {')


def test_plot_model_runs_dot_with_the_file_format(monkeypatch, tmp_path):
    calls = []

    def fake_run(cmd, input, capture_output, check):
        calls.append((cmd, input))
        return subprocess.CompletedProcess(cmd, 0, b"", b"")

    monkeypatch.setattr(shutil, "which", lambda name: "/usr/bin/dot")
    monkeypatch.setattr(subprocess, "run", fake_run)
    plot.plot_model(fashion_model(), to_file=str(tmp_path / "m.svg"), show_shapes=True)
    cmd, dot_text = calls[0]
    assert cmd == ["/usr/bin/dot", "-Tsvg", "-o", str(tmp_path / "m.svg")]
    assert dot_text.decode().startswith('digraph "sequential" {')


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz is not installed")
def test_plot_model_writes_a_png_with_graphviz(tmp_path):
    path = tmp_path / "m.png"
    plot.plot_model(small_graph(), to_file=str(path), show_shapes=True, expand_nested=True)
    assert path.read_bytes().startswith(b"\x89PNG")


# Keras 3.15 prints a layer with several outputs (LSTM with return_state) as a flat list.
RNN_STATE = '''\
Model: "rnnstate"
┏━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━┓
┃ Layer (type)        ┃ Output Shape      ┃    Param # ┃ Connected to      ┃
┡━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━┩
│ input_layer         │ (None, 5, 3)      │          0 │ -                 │
│ (InputLayer)        │                   │            │                   │
├─────────────────────┼───────────────────┼────────────┼───────────────────┤
│ lstm (LSTM)         │ [(None, 5, 4),    │        128 │ input_layer[0][0] │
│                     │ (None, 4), (None, │            │                   │
│                     │ 4)]               │            │                   │
├─────────────────────┼───────────────────┼────────────┼───────────────────┤
│ o1 (Dense)          │ (None, 5, 2)      │         10 │ lstm[0][0]        │
├─────────────────────┼───────────────────┼────────────┼───────────────────┤
│ add (Add)           │ (None, 4)         │          0 │ lstm[0][1],       │
│                     │                   │            │ lstm[0][2]        │
└─────────────────────┴───────────────────┴────────────┴───────────────────┘
 Total params: 138 (552.00 B)
 Trainable params: 138 (552.00 B)
 Non-trainable params: 0 (0.00 B)
'''


def test_several_outputs_print_as_a_flat_list():
    inp = layers.Input((5, 3))
    seq, h, c = layers.LSTM(4, return_sequences=True, return_state=True)(inp)
    o1 = layers.Dense(2, name="o1")(seq)
    o2 = layers.Add()([h, c])
    model = Model(inp, [o1, o2], name="rnnstate")
    assert summary_text(model) == RNN_STATE
