"""Convolution layers (``Conv1d``, ``Conv2d``, ``ConvTranspose1d``, ``ConvTranspose2d``) and
the im2col layers ``Unfold`` / ``Fold``, with PyTorch's arguments, initialisation and reprs."""

from __future__ import annotations

import math

from ... import ops
from ...ops import conv as _conv
from .. import init
from ..module import Module
from ..parameter import Parameter

_PADDING_MODES = ("zeros", "reflect", "replicate", "circular")


def _ntuple(value, n):
    if isinstance(value, (list, tuple)):
        return tuple(value)
    return (value,) * n


class _ConvNd(Module):
    """Shared by the convolution layers: arguments, parameters, init and repr."""

    _nd = 2

    def __init__(self, in_channels, out_channels, kernel_size, stride, padding, dilation,
                 transposed, output_padding, groups, bias, padding_mode, device=None,
                 dtype=None):
        super().__init__()
        name = type(self).__name__
        if groups <= 0:
            raise ValueError(f"{name}: groups must be a positive integer, got {groups}")
        if in_channels % groups != 0:
            raise ValueError(f"{name}: in_channels must be divisible by groups (got "
                             f"in_channels={in_channels}, groups={groups})")
        if out_channels % groups != 0:
            raise ValueError(f"{name}: out_channels must be divisible by groups (got "
                             f"out_channels={out_channels}, groups={groups})")
        if isinstance(padding, str):
            if padding not in ("same", "valid"):
                raise ValueError(f"Invalid padding string {padding!r}, should be one of "
                                 f"{{'valid', 'same'}}")
            if padding == "same" and any(s != 1 for s in stride):
                raise ValueError("padding='same' is not supported for strided convolutions")
        if padding_mode not in _PADDING_MODES:
            raise ValueError(f"padding_mode must be one of {_PADDING_MODES}, but got "
                             f"padding_mode='{padding_mode}'")
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.kernel_size = kernel_size
        self.stride = stride
        self.padding = padding
        self.dilation = dilation
        self.transposed = transposed
        self.output_padding = output_padding
        self.groups = groups
        self.padding_mode = padding_mode
        n = len(kernel_size)
        if isinstance(padding, str):
            rev = [0, 0] * n
            if padding == "same":
                for d, k, i in zip(dilation, kernel_size, range(n - 1, -1, -1)):
                    total = d * (k - 1)
                    rev[2 * i] = total // 2
                    rev[2 * i + 1] = total - total // 2
        else:
            rev = [p for p in reversed(padding) for _ in range(2)]
        self._reversed_padding_repeated_twice = rev
        if transposed:
            shape = (in_channels, out_channels // groups) + tuple(kernel_size)
        else:
            shape = (out_channels, in_channels // groups) + tuple(kernel_size)
        self.weight = Parameter(ops.empty(*shape, device=device, dtype=dtype))
        if bias:
            self.bias = Parameter(ops.empty(out_channels, device=device, dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        # kaiming_uniform_(a=√5) gives U(-1/√fan_in, 1/√fan_in), PyTorch's default.
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in, _ = init._calculate_fan_in_and_fan_out(self.weight)
            if fan_in != 0:
                bound = 1 / math.sqrt(fan_in)
                init.uniform_(self.bias, -bound, bound)

    def extra_repr(self) -> str:
        s = f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, " \
            f"stride={self.stride}"
        n = len(self.kernel_size)
        if self.padding != (0,) * n:
            s += f", padding={self.padding}"
        if self.dilation != (1,) * n:
            s += f", dilation={self.dilation}"
        if self.output_padding != (0,) * n:
            s += f", output_padding={self.output_padding}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        if self.bias is None:
            s += ", bias=False"
        if self.padding_mode != "zeros":
            s += f", padding_mode={self.padding_mode}"
        return s


class _Conv(_ConvNd):
    _op = "conv2d"

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0,
                 dilation=1, groups=1, bias=True, padding_mode="zeros", device=None,
                 dtype=None):
        n = self._nd
        super().__init__(in_channels, out_channels, _ntuple(kernel_size, n),
                         _ntuple(stride, n), padding if isinstance(padding, str)
                         else _ntuple(padding, n), _ntuple(dilation, n), False, (0,) * n,
                         groups, bias, padding_mode, device, dtype)

    def _conv_forward(self, input, weight, bias):
        fn = getattr(_conv, self._op)
        if self.padding_mode != "zeros":
            # Check the input before padding so errors name the convolution, not pad().
            _conv._check_operands(self._op, self._nd, input, weight, bias)
            c = input.shape[-self._nd - 1]
            if c != self.in_channels:
                fn(input, weight, bias, self.stride, 0, self.dilation, self.groups)
            padded = ops.pad(input, self._reversed_padding_repeated_twice,
                             mode=self.padding_mode)
            return fn(padded, weight, bias, self.stride, 0, self.dilation, self.groups)
        return fn(input, weight, bias, self.stride, self.padding, self.dilation, self.groups)

    def forward(self, input):
        return self._conv_forward(input, self.weight, self.bias)


class Conv1d(_Conv):
    """1-D convolution over (N, C_in, L) or (C_in, L) inputs: weight (C_out, C_in/groups, k),
    initialised like PyTorch (kaiming_uniform_(a=√5); bias U(±1/√fan_in)).

    >>> import ember
    >>> ember.nn.modules.conv.Conv1d(2, 4, 3)(ember.zeros(8, 2, 10)).shape
    ember.Size([8, 4, 8])
    """

    _nd = 1
    _op = "conv1d"


class Conv2d(_Conv):
    """2-D convolution over (N, C_in, H, W) or (C_in, H, W) inputs: weight (C_out,
    C_in/groups, kH, kW); ``padding`` an int, tuple, 'valid' or 'same'; ``padding_mode``
    'zeros', 'reflect', 'replicate' or 'circular'.

    >>> import ember
    >>> ember.nn.modules.conv.Conv2d(1, 32, 3)(ember.zeros(8, 1, 28, 28)).shape
    ember.Size([8, 32, 26, 26])
    """

    _nd = 2
    _op = "conv2d"


class _ConvTranspose(_ConvNd):
    _op = "conv_transpose2d"

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0,
                 output_padding=0, groups=1, bias=True, dilation=1, padding_mode="zeros",
                 device=None, dtype=None):
        if padding_mode != "zeros":
            raise ValueError(f'Only "zeros" padding mode is supported for '
                             f"{type(self).__name__}")
        n = self._nd
        super().__init__(in_channels, out_channels, _ntuple(kernel_size, n),
                         _ntuple(stride, n), _ntuple(padding, n), _ntuple(dilation, n), True,
                         _ntuple(output_padding, n), groups, bias, padding_mode, device, dtype)

    def _output_padding(self, input, output_size):
        """The output_padding that makes the output ``output_size`` (PyTorch's rule)."""
        if output_size is None:
            return self.output_padding
        n = self._nd
        lead = 2 if input.ndim == n + 2 else 1
        size = tuple(int(v) for v in output_size)
        if len(size) == lead + n:
            size = size[lead:]
        if len(size) != n:
            raise ValueError(f"{type(self).__name__}: output_size must have {n} or {lead + n} "
                             f"elements (got {len(size)})")
        lo = [(input.shape[lead + d] - 1) * self.stride[d] - 2 * self.padding[d]
              + self.dilation[d] * (self.kernel_size[d] - 1) + 1 for d in range(n)]
        hi = [lo[d] + self.stride[d] - 1 for d in range(n)]
        for d in range(n):
            if not lo[d] <= size[d] <= hi[d]:
                raise ValueError(
                    f"requested an output size of {list(size)}, but valid sizes range from "
                    f"{lo} to {hi} (for an input of {list(input.shape[lead:])})"
                )
        return tuple(size[d] - lo[d] for d in range(n))

    def forward(self, input, output_size=None):
        fn = getattr(_conv, self._op)
        op = self._output_padding(input, output_size)
        return fn(input, self.weight, self.bias, self.stride, self.padding, op, self.groups,
                  self.dilation)


class ConvTranspose1d(_ConvTranspose):
    """1-D transposed convolution: weight (C_in, C_out/groups, k); output length
    (L − 1)·s − 2p + d(k − 1) + output_padding + 1 (or ``forward(x, output_size)``).

    >>> import ember
    >>> ember.nn.modules.conv.ConvTranspose1d(4, 2, 3, stride=2)(ember.zeros(1, 4, 5)).shape
    ember.Size([1, 2, 11])
    """

    _nd = 1
    _op = "conv_transpose1d"


class ConvTranspose2d(_ConvTranspose):
    """2-D transposed convolution (the gradient of Conv2d with respect to its input): weight
    (C_in, C_out/groups, kH, kW).

    >>> import ember
    >>> ember.nn.modules.conv.ConvTranspose2d(8, 4, 2, stride=2)(ember.zeros(1, 8, 7, 7)).shape
    ember.Size([1, 4, 14, 14])
    """

    _nd = 2
    _op = "conv_transpose2d"


class Unfold(Module):
    """Extracts sliding windows: (N, C, H, W) -> (N, C·kH·kW, L) (``F.unfold``).

    >>> import ember
    >>> ember.nn.modules.conv.Unfold(2)(ember.zeros(1, 3, 4, 4)).shape
    ember.Size([1, 12, 9])
    """

    def __init__(self, kernel_size, dilation=1, padding=0, stride=1):
        super().__init__()
        self.kernel_size = kernel_size
        self.dilation = dilation
        self.padding = padding
        self.stride = stride

    def forward(self, input):
        return _conv.unfold(input, self.kernel_size, self.dilation, self.padding, self.stride)

    def extra_repr(self) -> str:
        return (f"kernel_size={self.kernel_size}, dilation={self.dilation}, "
                f"padding={self.padding}, stride={self.stride}")


class Fold(Module):
    """Sums sliding-window columns back into an image: (N, C·kH·kW, L) -> (N, C, H, W).

    >>> import ember
    >>> ember.nn.modules.conv.Fold(4, 2)(ember.zeros(1, 12, 9)).shape
    ember.Size([1, 3, 4, 4])
    """

    def __init__(self, output_size, kernel_size, dilation=1, padding=0, stride=1):
        super().__init__()
        self.output_size = output_size
        self.kernel_size = kernel_size
        self.dilation = dilation
        self.padding = padding
        self.stride = stride

    def forward(self, input):
        return _conv.fold(input, self.output_size, self.kernel_size, self.dilation,
                          self.padding, self.stride)

    def extra_repr(self) -> str:
        return (f"output_size={self.output_size}, kernel_size={self.kernel_size}, "
                f"dilation={self.dilation}, padding={self.padding}, stride={self.stride}")
