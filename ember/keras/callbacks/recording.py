"""Callbacks that keep a record of training or act on it: ``CSVLogger``, ``TerminateOnNaN``
and ``BackupAndRestore``."""

from __future__ import annotations

import csv
import math
import os

import numpy as np

import ember

from .callback import Callback

__all__ = ["CSVLogger", "TerminateOnNaN", "BackupAndRestore"]


class CSVLogger(Callback):
    """Write each epoch's logs as a CSV row: ``epoch`` (0-based) then the keys, sorted.

    ``append=True`` continues an existing file (without repeating its header).
    """

    def __init__(self, filename, separator=",", append=False):
        super().__init__()
        self.filename = os.fspath(filename)
        self.sep = separator
        self.append = append
        self.keys = None
        self.writer = None
        self.csv_file = None
        self._write_header = True

    def on_train_begin(self, logs=None):
        self._write_header = True
        if self.append and os.path.exists(self.filename):
            with open(self.filename) as f:
                self._write_header = not f.readline()
        self.csv_file = open(self.filename, "a" if self.append else "w", newline="")
        self.keys = None
        self.writer = None

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        if self.keys is None:
            self.keys = sorted(logs)
            # with validation_freq > 1 the first epoch has no val_ keys: reserve their columns
            if not any(k.startswith("val_") for k in self.keys) and \
                    getattr(self.model, "_fit_has_validation", False):
                self.keys += ["val_" + k for k in self.keys]
        if self.writer is None:
            self.writer = csv.DictWriter(self.csv_file, fieldnames=["epoch"] + self.keys,
                                         delimiter=self.sep, lineterminator="\n")
            if self._write_header:
                self.writer.writeheader()
        row = {"epoch": epoch}
        row.update((k, _csv_value(logs.get(k, "NA"))) for k in self.keys)
        self.writer.writerow(row)
        self.csv_file.flush()

    def on_train_end(self, logs=None):
        if self.csv_file is not None:
            self.csv_file.close()
        self.csv_file = None
        self.writer = None


def _csv_value(value):
    if isinstance(value, np.ndarray) and value.ndim == 0:
        return value.item()
    if isinstance(value, (list, tuple, np.ndarray)):
        return f'"[{", ".join(map(str, value))}]"'
    return value


class TerminateOnNaN(Callback):
    """Stop training as soon as a batch's loss is NaN or infinite."""

    def on_batch_end(self, batch, logs=None):
        loss = (logs or {}).get("loss")
        if loss is not None and not math.isfinite(float(loss)):
            print(f"Batch {batch}: Invalid loss, terminating training")
            self.model.stop_training = True


class BackupAndRestore(Callback):
    """Back up the training state so that an interrupted ``fit`` resumes where it stopped.

    At the end of every epoch (or every ``save_freq`` batches) the model's weights, the
    optimizer's state, the epoch and ember's random-generator state are written to one file,
    ``backup_dir/backup.safetensors``, atomically (a crash mid-write keeps the previous
    backup). When ``fit`` starts and a backup exists, everything is restored and training
    continues at the next epoch: with backups at epoch ends, the resumed run ends with exactly
    the weights an uninterrupted run reaches (same shuffling, same dropout masks). A backup
    taken mid-epoch (integer ``save_freq``) resumes at the start of that epoch, as in Keras.
    At the successful end of ``fit`` the backup is deleted (``delete_checkpoint=True``); the
    folder too when nothing else is left in it (Keras deletes the whole folder).
    """

    FILENAME = "backup.safetensors"

    def __init__(self, backup_dir, save_freq="epoch", delete_checkpoint=True):
        super().__init__()
        if not backup_dir:
            raise ValueError("BackupAndRestore: empty `backup_dir` argument passed")
        if save_freq != "epoch" and not (isinstance(save_freq, int) and save_freq > 0):
            raise ValueError(
                f"BackupAndRestore: invalid save_freq={save_freq!r}; expected 'epoch' or a "
                "positive number of batches"
            )
        self.backup_dir = os.fspath(backup_dir)
        self.save_freq = save_freq
        self.delete_checkpoint = delete_checkpoint
        self._path = os.path.join(self.backup_dir, self.FILENAME)
        self._current_epoch = 0
        self._batches_since_save = 0

    def on_train_begin(self, logs=None):
        if not os.path.exists(self._path):
            return
        state = ember.load(self._path)
        self.model.set_weights([w.numpy() if hasattr(w, "numpy") else w
                                for w in state["weights"]])
        optimizer = getattr(self.model, "optimizer", None)
        if optimizer is not None and state.get("optimizer") is not None:
            if not getattr(optimizer, "built", True):
                optimizer.build(self.model.trainable_weights)
            optimizer.load_state_dict(state["optimizer"])
        if state.get("rng") is not None:
            ember.set_rng_state(state["rng"])
        self.model._initial_epoch = int(state["epoch"])

    def on_epoch_begin(self, epoch, logs=None):
        self._current_epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        if self.save_freq == "epoch":
            return
        self._batches_since_save += 1
        if self._batches_since_save >= self.save_freq:
            self._batches_since_save = 0
            self._save(self._current_epoch)

    def on_epoch_end(self, epoch, logs=None):
        if self.save_freq == "epoch":
            self._save(epoch + 1)

    def _save(self, next_epoch: int) -> None:
        os.makedirs(self.backup_dir, exist_ok=True)
        optimizer = getattr(self.model, "optimizer", None)
        has_state = optimizer is not None and hasattr(optimizer, "state_dict") and \
            getattr(optimizer, "built", True)
        ember.save({
            "epoch": next_epoch,
            "weights": self.model.get_weights(),
            "optimizer": optimizer.state_dict() if has_state else None,
            "rng": ember.get_rng_state(),
        }, self._path)

    def on_train_end(self, logs=None):
        if not self.delete_checkpoint:
            return
        if os.path.exists(self._path):
            os.remove(self._path)
        try:
            os.rmdir(self.backup_dir)
        except OSError:  # not empty (other files) or already gone
            pass
