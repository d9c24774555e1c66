"""The array seam: devices, dtypes, random generators and host/device copies.

Nothing here knows about tensors or autograd. Ops reach arrays through ``xp`` (numpy or cupy).
"""

from .device import CPU, array_module, as_device, cupy, device, device_of, module_of, to_device
from .dtypes import (
    as_dtype,
    dtype,
    from_numpy_dtype,
    get_default_dtype,
    promote_types,
    result_type,
    set_default_dtype,
    to_numpy_dtype,
)
from .memory import tune_malloc
from .random import Generator, default_generator, generator_for, manual_seed

tune_malloc()  # process-wide; EMBER_MALLOC_TUNE=0 opts out (see ember/backend/memory.py)

__all__ = [
    "CPU", "Generator", "array_module", "as_device", "as_dtype", "cupy", "default_generator",
    "device", "device_of", "dtype", "from_numpy_dtype", "generator_for", "get_default_dtype",
    "manual_seed", "module_of", "promote_types", "result_type", "set_default_dtype",
    "to_device", "to_numpy_dtype",
]
