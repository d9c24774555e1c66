"""keras.callbacks: Keras 3's callbacks, driven through fit."""

import csv
import os

import numpy as np
import pytest

import ember
from ember.keras import callbacks, losses, optimizers
from ember.keras.layers import Dense, Dropout, Input
from ember.keras.models import Sequential
from ember.keras.utils import set_random_seed


def blobs(n=64, seed=0):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    x = rng.normal(size=(n, 4)).astype("float32") + 2.0 * (2 * y[:, None] - 1)
    return x.astype("float32"), y.astype("int64")


def model(lr=0.05, seed=0, dropout=False, optimizer=None):
    set_random_seed(seed)
    layers = [Input((4,)), Dense(8, activation="relu")]
    if dropout:
        layers.append(Dropout(0.3))
    m = Sequential(layers + [Dense(2)])
    m.compile(optimizer=optimizer or optimizers.SGD(lr),
              loss=losses.SparseCategoricalCrossentropy(from_logits=True), metrics=["accuracy"])
    return m


class FakeLogs(callbacks.Callback):
    """Overwrites the epoch's logs with scripted values (placed before the callback under
    test, which then sees them)."""

    def __init__(self, key, values):
        super().__init__()
        self.key, self.values = key, list(values)

    def on_epoch_end(self, epoch, logs=None):
        logs[self.key] = self.values[epoch]


# -- base and list ----------------------------------------------------------------------------

def test_callback_list_only_calls_batch_hooks_that_are_overridden():
    class EpochOnly(callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            pass

    class Batches(callbacks.Callback):
        def on_batch_end(self, batch, logs=None):  # the old name counts
            pass

    cbs = callbacks.CallbackList([EpochOnly()])
    assert not cbs.wants("on_train_batch_end") and not cbs.wants("on_test_batch_end")
    cbs = callbacks.CallbackList([EpochOnly(), Batches()], add_progbar=True, verbose=1)
    assert cbs.wants("on_train_batch_end") and cbs.wants("on_predict_batch_end")
    assert not cbs.wants("on_train_batch_begin")


def test_callback_list_rejects_non_callbacks():
    with pytest.raises(TypeError, match="keras.callbacks.Callback instances, got function"):
        callbacks.CallbackList([lambda epoch: None])


def test_pythonify_logs_sorts_and_converts():
    logs = callbacks.pythonify_logs({"loss": ember.tensor(0.5), "acc": np.float32(0.25),
                                     "nested": {"b": 1}, "name": "x"})
    assert list(logs) == ["acc", "loss", "name", "b"]
    assert logs == {"acc": 0.25, "loss": 0.5, "b": 1.0, "name": "x"}
    assert all(type(v) in (float, str) for v in logs.values())


def test_lambda_callback():
    x, y = blobs()
    seen = []
    cb = callbacks.LambdaCallback(on_epoch_end=lambda epoch, logs: seen.append(epoch),
                                  on_train_batch_end=lambda batch, logs: seen.append("b"))
    model().fit(x, y, batch_size=32, epochs=2, callbacks=[cb], verbose=0)
    assert seen == ["b", "b", 0, "b", "b", 1]
    with pytest.raises(ValueError, match="unknown hook"):
        callbacks.LambdaCallback(on_whatever=print)


# -- EarlyStopping ----------------------------------------------------------------------------

def test_early_stopping_patience_and_restore_best_weights():
    x, y = blobs()
    m = model()
    snapshots = []

    class Snapshot(callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            snapshots.append(self.model.get_weights())

    losses_seen = [1.0, 0.5, 0.7, 0.6, 0.8, 0.4]  # best at epoch 1, no improvement after
    stop = callbacks.EarlyStopping(monitor="val_loss", patience=2, restore_best_weights=True)
    history = m.fit(x, y, epochs=6, validation_data=(x, y), verbose=0,
                    callbacks=[Snapshot(), FakeLogs("val_loss", losses_seen), stop])
    assert history.epoch == [0, 1, 2, 3]
    assert stop.stopped_epoch == 3 and stop.best_epoch == 1 and stop.best == 0.5
    for a, b in zip(m.get_weights(), snapshots[1]):
        np.testing.assert_array_equal(a, b)


def test_early_stopping_min_delta_mode_baseline_and_start_from_epoch():
    x, y = blobs()
    stop = callbacks.EarlyStopping(monitor="val_accuracy", min_delta=0.1, patience=1)
    history = model().fit(x, y, epochs=5, validation_data=(x, y), verbose=0, callbacks=[
        FakeLogs("val_accuracy", [0.5, 0.55, 0.58, 0.9, 0.95]), stop])
    assert history.epoch == [0, 1]  # "accuracy" is maximized; +0.05 is below min_delta
    flat = [0.9, 0.9, 0.9, 0.9]
    history = model().fit(x, y, epochs=4, verbose=0, callbacks=[
        FakeLogs("loss", flat), callbacks.EarlyStopping(monitor="loss", patience=2)])
    assert history.epoch == [0, 1, 2]
    history = model().fit(x, y, epochs=4, verbose=0, callbacks=[
        FakeLogs("loss", flat), callbacks.EarlyStopping(monitor="loss", patience=2, baseline=0.5)])
    assert history.epoch == [0, 1]  # the first epoch did not beat the baseline: no reset
    stop = callbacks.EarlyStopping(monitor="loss", patience=0, start_from_epoch=3)
    history = model().fit(x, y, epochs=6, verbose=0, callbacks=[
        FakeLogs("loss", [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]), stop])
    assert history.epoch == [0, 1, 2, 3, 4]


def test_early_stopping_unknown_direction_and_missing_metric():
    x, y = blobs()
    with pytest.raises(ValueError, match="mode='max'"):
        model().fit(x, y, epochs=1, verbose=0, callbacks=[
            FakeLogs("weird", [1.0]), callbacks.EarlyStopping(monitor="weird")])
    with pytest.warns(UserWarning, match="val_loss.*not available"):
        model().fit(x, y, epochs=1, verbose=0, callbacks=[callbacks.EarlyStopping()])


# -- ModelCheckpoint --------------------------------------------------------------------------

def test_model_checkpoint_files(tmp_path):
    x, y = blobs()
    m = model()
    pattern = str(tmp_path / "ckpt-{epoch:02d}-{val_loss:.2f}.keras")
    m.fit(x, y, epochs=3, validation_data=(x, y), verbose=0, callbacks=[
        FakeLogs("val_loss", [0.5, 0.25, 0.75]), callbacks.ModelCheckpoint(pattern)])
    assert sorted(os.listdir(tmp_path)) == ["ckpt-01-0.50.keras", "ckpt-02-0.25.keras",
                                            "ckpt-03-0.75.keras"]


def test_model_checkpoint_save_best_only_weights(tmp_path, capsys):
    from ember.keras.models import load_model

    x, y = blobs()
    m = model()
    path = str(tmp_path / "best.weights.h5")
    weights = []

    class Snapshot(callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            weights.append(self.model.get_weights())

    check = callbacks.ModelCheckpoint(path, monitor="val_loss", save_best_only=True,
                                      save_weights_only=True, verbose=1)
    m.fit(x, y, epochs=4, validation_data=(x, y), verbose=0,
          callbacks=[Snapshot(), FakeLogs("val_loss", [0.5, 0.3, 0.4, 0.35]), check])
    out = capsys.readouterr().out
    # Keras 3.15's messages: the first best is None, and each save is confirmed
    assert f"Epoch 1: val_loss improved from None to 0.50000, saving model to {path}" in out
    assert f"\nEpoch 1: finished saving model to {path}\n" in out
    assert "Epoch 2: val_loss improved from 0.50000 to 0.30000" in out
    assert "Epoch 3: val_loss did not improve from 0.30000" in out
    assert out.count("finished saving model") == 2
    fresh = model(seed=9)
    fresh.load_weights(path)
    for a, b in zip(fresh.get_weights(), weights[1]):
        np.testing.assert_array_equal(a, b)
    whole = str(tmp_path / "m.keras")
    m.fit(x, y, epochs=1, verbose=0, callbacks=[callbacks.ModelCheckpoint(whole)])
    np.testing.assert_allclose(load_model(whole).predict(x, verbose=0),
                               m.predict(x, verbose=0), rtol=1e-6)


def test_model_checkpoint_initial_threshold_and_batch_frequency(tmp_path):
    x, y = blobs()
    path = str(tmp_path / "b{batch}.keras")
    model().fit(x, y, batch_size=16, epochs=1, verbose=0,
                callbacks=[callbacks.ModelCheckpoint(path, save_freq=2)])
    assert sorted(os.listdir(tmp_path)) == ["b2.keras", "b4.keras"]
    best = str(tmp_path / "never.keras")
    model().fit(x, y, epochs=2, verbose=0, callbacks=[
        FakeLogs("loss", [0.5, 0.4]),
        callbacks.ModelCheckpoint(best, monitor="loss", save_best_only=True,
                                  initial_value_threshold=0.1)])
    assert not os.path.exists(best)


def test_model_checkpoint_checks_the_file_name():
    with pytest.raises(ValueError, match="must end in '.keras'"):
        callbacks.ModelCheckpoint("model.h5")
    with pytest.raises(ValueError, match="'.weights.h5'"):
        callbacks.ModelCheckpoint("model.keras", save_weights_only=True)
    with pytest.raises(ValueError, match="save_freq"):
        callbacks.ModelCheckpoint("m.keras", save_freq="batch")
    x, y = blobs()
    with pytest.raises(KeyError, match="val_acc"):
        model().fit(x, y, verbose=0,
                    callbacks=[callbacks.ModelCheckpoint("/tmp/ktrain-{val_acc}.keras")])


# -- learning rate ----------------------------------------------------------------------------

def test_learning_rate_scheduler_sets_the_rate_each_epoch(capsys):
    x, y = blobs()
    m = model(lr=0.1)
    sched = callbacks.LearningRateScheduler(lambda epoch, lr: 0.1 * 0.5 ** epoch, verbose=1)
    history = m.fit(x, y, epochs=3, verbose=0, callbacks=[sched])
    assert history.history["learning_rate"] == pytest.approx([0.1, 0.05, 0.025])
    assert m.optimizer.learning_rate == pytest.approx(0.025)
    assert "Epoch 3: LearningRateScheduler setting learning rate to 0.025." in \
        capsys.readouterr().out
    frozen = model(lr=0.1)
    before = frozen.get_weights()
    frozen.fit(x, y, epochs=2, verbose=0,
               callbacks=[callbacks.LearningRateScheduler(lambda epoch: 0.0)])
    assert all(np.array_equal(a, b) for a, b in zip(before, frozen.get_weights()))
    with pytest.raises(ValueError, match="should be a float"):
        model().fit(x, y, verbose=0,
                    callbacks=[callbacks.LearningRateScheduler(lambda e, lr: "fast")])


def test_reduce_lr_on_plateau():
    x, y = blobs()
    m = model(lr=1.0)
    reduce = callbacks.ReduceLROnPlateau(monitor="loss", factor=0.5, patience=2, cooldown=2,
                                         min_lr=0.3)
    plateau = [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 0.5]
    history = m.fit(x, y, epochs=8, verbose=0, callbacks=[FakeLogs("loss", plateau), reduce])
    # rate logged at the end of each epoch, before that epoch's reduction takes effect
    assert history.history["learning_rate"] == pytest.approx(
        [1.0, 1.0, 1.0, 0.5, 0.5, 0.5, 0.3, 0.3])
    assert m.optimizer.learning_rate == pytest.approx(0.3)  # 0.25 floored at min_lr
    with pytest.raises(ValueError, match="factor >= 1.0"):
        callbacks.ReduceLROnPlateau(factor=1.5)


# -- CSVLogger / TerminateOnNaN / History -----------------------------------------------------

def test_csv_logger(tmp_path):
    x, y = blobs()
    path = tmp_path / "log.csv"
    m = model()
    history = m.fit(x, y, epochs=2, validation_data=(x, y), verbose=0,
                    callbacks=[callbacks.CSVLogger(path)])
    with open(path) as f:
        rows = list(csv.reader(f))
    assert rows[0] == ["epoch", "accuracy", "loss", "val_accuracy", "val_loss"]
    assert [r[0] for r in rows[1:]] == ["0", "1"]
    assert float(rows[2][2]) == pytest.approx(history.history["loss"][1])
    m.fit(x, y, epochs=1, verbose=0, callbacks=[callbacks.CSVLogger(path, separator=";",
                                                                   append=True)])
    with open(path) as f:
        lines = f.read().splitlines()
    assert len(lines) == 4 and lines[3].startswith("0;")


def test_csv_logger_reserves_val_columns_with_validation_freq(tmp_path):
    x, y = blobs()
    path = tmp_path / "log.csv"
    model().fit(x, y, epochs=2, validation_data=(x, y), validation_freq=2, verbose=0,
                callbacks=[callbacks.CSVLogger(path)])
    with open(path) as f:
        rows = list(csv.reader(f))
    assert rows[0] == ["epoch", "accuracy", "loss", "val_accuracy", "val_loss"]
    assert rows[1][3:] == ["NA", "NA"] and rows[2][3] != "NA"


def test_terminate_on_nan(capsys):
    x, y = blobs()
    x[:16] = np.nan
    history = model().fit(x, y, batch_size=16, epochs=3, shuffle=False, verbose=0,
                          callbacks=[callbacks.TerminateOnNaN()])
    assert history.epoch == [0] and np.isnan(history.history["loss"][0])
    assert "Batch 0: Invalid loss, terminating training" in capsys.readouterr().out


def test_history_is_reset_per_fit_but_keeps_its_dict():
    x, y = blobs()
    m = model()
    first = m.fit(x, y, epochs=2, verbose=0)
    second = m.fit(x, y, epochs=1, verbose=0)
    assert first is not second and second.epoch == [0] and len(second.history["loss"]) == 1


# -- BackupAndRestore -------------------------------------------------------------------------

class Interrupt(callbacks.Callback):
    def __init__(self, epoch):
        super().__init__()
        self.epoch = epoch

    def on_epoch_begin(self, epoch, logs=None):
        if epoch == self.epoch:
            raise RuntimeError("interrupted")


def _resumable_run(tmp_path, interrupt_at=None):
    x, y = blobs(96)
    m = model(dropout=True, optimizer=optimizers.Adam(0.01))
    ember.manual_seed(123)
    backup = callbacks.BackupAndRestore(tmp_path / "backup")
    extra = [] if interrupt_at is None else [Interrupt(interrupt_at)]
    if interrupt_at is not None:
        with pytest.raises(RuntimeError, match="interrupted"):
            m.fit(x, y, batch_size=16, epochs=5, verbose=0, callbacks=[backup] + extra)
        assert os.path.exists(tmp_path / "backup" / "backup.safetensors")
        # a fresh process: new model, unrelated random state
        m = model(seed=77, dropout=True, optimizer=optimizers.Adam(0.01))
        ember.manual_seed(999)
    history = m.fit(x, y, batch_size=16, epochs=5, verbose=0, callbacks=[backup])
    return m, history


def test_backup_and_restore_resumes_bit_for_bit(tmp_path):
    reference, full = _resumable_run(tmp_path / "a")
    resumed, tail = _resumable_run(tmp_path / "b", interrupt_at=2)
    assert tail.epoch == [2, 3, 4]
    for a, b in zip(reference.get_weights(), resumed.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert tail.history["loss"] == full.history["loss"][2:]
    assert resumed.optimizer.iterations == reference.optimizer.iterations == 30
    assert not os.path.exists(tmp_path / "b" / "backup")  # deleted after success


def test_backup_and_restore_keeps_the_file_when_asked(tmp_path):
    x, y = blobs()
    backup = callbacks.BackupAndRestore(tmp_path, delete_checkpoint=False)
    model().fit(x, y, epochs=2, verbose=0, callbacks=[backup])
    assert os.listdir(tmp_path) == ["backup.safetensors"]
    history = model().fit(x, y, epochs=3, verbose=0, callbacks=[backup])
    assert history.epoch == [2]
    with pytest.raises(ValueError, match="save_freq"):
        callbacks.BackupAndRestore(tmp_path, save_freq="often")
    with pytest.raises(ValueError, match="backup_dir"):
        callbacks.BackupAndRestore("")


# -- plot_history -----------------------------------------------------------------------------

def test_history_series_pairs_metrics_with_their_validation():
    from ember.keras.history_plot import series

    x, y = blobs()
    history = model().fit(x, y, epochs=2, validation_split=0.25, verbose=0)
    panels = series(history)
    assert [p[0] for p in panels] == ["loss", "accuracy"]
    assert panels[0][1] == history.history["loss"] and panels[0][2] == history.history["val_loss"]
    with pytest.raises(TypeError, match="History"):
        series([1, 2, 3])


def test_plot_history_without_matplotlib_says_how_to_install(monkeypatch, tmp_path):
    import sys

    from ember.keras.history_plot import plot_history

    monkeypatch.setitem(sys.modules, "matplotlib", None)
    with pytest.raises(ImportError, match="pip install matplotlib"):
        plot_history({"loss": [1.0, 0.5]}, tmp_path / "h.png")


def test_plot_history_writes_a_png(tmp_path):
    pytest.importorskip("matplotlib")
    from ember.keras.history_plot import plot_history

    path = plot_history({"loss": [1.0, 0.5], "val_loss": [1.1, 0.7]}, tmp_path / "h.png")
    with open(path, "rb") as f:
        assert f.read(8) == b"\x89PNG\r\n\x1a\n"
