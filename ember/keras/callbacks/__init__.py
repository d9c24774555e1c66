"""Callbacks: hooks that ``fit``, ``evaluate`` and ``predict`` call (Keras 3's ``keras.callbacks``).

A callback sees the model (``self.model``) and the run's ``params`` (``verbose``, ``epochs``,
``steps``) and overrides the hooks it needs: ``on_{train,test,predict}_{begin,end}``,
``on_epoch_{begin,end}`` and ``on_{train,test,predict}_batch_{begin,end}`` (``on_batch_begin``/
``on_batch_end`` are the training batch hooks under their older names). ``logs`` hold Python
floats keyed like Keras 3: ``"loss"``, metric names, ``"val_"`` for validation. Setting
``model.stop_training = True`` ends ``fit`` after the current batch.

>>> class Count(Callback):
...     def on_epoch_end(self, epoch, logs=None):
...         print(epoch, sorted(logs))
>>> cbs = CallbackList([Count()], add_history=True)
>>> cbs.on_epoch_end(0, {"loss": 0.5, "val_loss": 0.6})
0 ['loss', 'val_loss']
"""

from .callback import Callback, CallbackList, History, LambdaCallback, ProgbarLogger, pythonify_logs
from .monitoring import EarlyStopping, LearningRateScheduler, ModelCheckpoint, ReduceLROnPlateau
from .recording import BackupAndRestore, CSVLogger, TerminateOnNaN

__all__ = [
    "Callback", "CallbackList", "History", "ProgbarLogger", "EarlyStopping", "ModelCheckpoint",
    "LearningRateScheduler", "ReduceLROnPlateau", "CSVLogger", "TerminateOnNaN",
    "BackupAndRestore", "LambdaCallback", "pythonify_logs",
]
