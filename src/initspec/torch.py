"""initspec for PyTorch: Keras initializers with Keras's fans, in PyTorch's weight layouts.

Needs the ``torch`` extra (``pip install "initspec[torch]"``).

- :func:`init_` fills an existing tensor in place from initspec's stream. With
  ``layout="torch"`` a weight of shape ``(a, b, *k)`` (``Linear`` ``(out, in)``, ``ConvNd``
  ``(out, in / groups, *k)``, ``ConvTransposeNd`` ``(in, out / groups, *k)``) receives the Keras
  kernel of shape ``(*k, b, a)`` (for transposed convolutions that is Keras's own
  ``(*k, filters, in)``), permuted to PyTorch's order: the same fans and, bit for bit, the same
  values as the Keras-layout tensor. Shapes of rank 0 and 1 are their own Keras layout.
- :func:`keras_init_` initializes every parameter of the standard ``torch.nn`` layers as the
  matching Keras layer does by default, and returns the names of the modules it does not know.

>>> import torch
>>> import initspec, initspec.torch
>>> linear = torch.nn.Linear(3, 2)
>>> _ = initspec.torch.init_(linear.weight, {"class_name": "GlorotUniform", "config": {"seed": 1}})
>>> keras = initspec.GlorotUniform(seed=1)((3, 2))     # Keras's kernel: (in, out)
>>> bool((linear.weight.detach().numpy() == keras.T).all())
True
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from ._adapters import initializer_of, require, reseeded
from .errors import InitializerError, describe
from .initializers import Initializer, Ones, Orthogonal, RandomUniform, Zeros
from .initializers._calls import call_error, check_shape, shares_memory_within
from .initializers.base import Filler
from .initializers.variance_scaling import GlorotUniform
from .sampling import derive_seed

if TYPE_CHECKING:
    import torch
else:
    torch = require("torch", "torch")

__all__ = ["Plan", "init_", "keras_init_", "keras_plan", "keras_shape"]

Layout = Literal["torch", "keras"]

#: Highest rank with a Keras kernel layout (a 3-D convolution's weight).
_MAX_RANK = 5

_NUMPY_DTYPES: dict[Any, Any] = {
    torch.float16: np.float16,
    torch.float32: np.float32,
    torch.float64: np.float64,
}


def keras_shape(shape: Any, layout: Layout = "torch") -> tuple[int, ...]:
    """The shape of the Keras tensor whose values a tensor of ``shape`` receives.

    >>> keras_shape((64, 3, 5, 7))      # Conv2d(3, 64, (5, 7)).weight
    (5, 7, 3, 64)
    >>> keras_shape((10, 4)), keras_shape((10, 4), layout="keras")
    ((4, 10), (10, 4))
    """
    dims = check_shape(tuple(shape))
    if layout not in ("torch", "keras"):
        raise call_error(
            ("layout",),
            "invalid_argument",
            f"layout must be 'torch' or 'keras'; got {describe(layout)}",
            layout if isinstance(layout, str) else repr(layout),
        )
    if layout == "keras" or len(dims) < 2:
        return dims
    if len(dims) > _MAX_RANK:
        raise call_error(
            ("shape",),
            "invalid_shape",
            f"a rank-{len(dims)} tensor has no Keras kernel layout (ranks 2 to {_MAX_RANK} are "
            "Linear and convolution weights); pass layout='keras' to fill it as its shape says",
            list(dims),
        )
    return (*dims[2:], dims[1], dims[0])


def _to_torch_order(rank: int) -> tuple[int, ...]:
    """The permutation of a Keras kernel's axes ``(*k, b, a)`` into PyTorch's ``(a, b, *k)``."""
    return (rank - 1, rank - 2, *range(rank - 2))


def _to_keras_order(rank: int) -> tuple[int, ...]:
    """The inverse of :func:`_to_torch_order`: PyTorch's ``(a, b, *k)`` as ``(*k, b, a)``."""
    return (*range(2, rank), 1, 0)


def init_(tensor: torch.Tensor, identifier: Any, *, layout: Layout = "torch") -> torch.Tensor:
    """Fill ``tensor`` in place (no autograd history) with the initializer ``identifier``
    means, and return it.

    Any device; any floating dtype (float16, bfloat16, float32, float64). With
    ``layout="torch"`` the values are those of the Keras kernel ``keras_shape(tensor.shape)``,
    permuted to PyTorch's layout; ``layout="keras"`` fills the tensor as its own shape says.
    bfloat16 tensors get the float32 values rounded to nearest-even (as initspec's own
    bfloat16 does).

    A CPU float16/32/64 tensor is filled in its own memory, whatever its strides: it is
    passed to initspec's ``out=`` as the view that is its Keras tensor (for a ``Linear``
    weight, ``weight.numpy().T``), so no temporary of its size is made. Other devices and
    bfloat16 receive one copy of the Keras tensor. A tensor whose elements share memory (an
    ``expand()``-ed view) cannot hold the values and is an ``InitializerError``.
    """
    if not isinstance(tensor, torch.Tensor):
        raise call_error(
            ("tensor",),
            "invalid_argument",
            f"init_ fills a torch.Tensor; got {describe(tensor)}",
            repr(tensor)[:200],
        )
    shape = keras_shape(tuple(tensor.shape), layout)
    if not tensor.is_floating_point():
        raise call_error(
            ("dtype",),
            "unsupported_dtype",
            f"init_ fills floating tensors (float16, bfloat16, float32, float64); "
            f"got {tensor.dtype}",
            str(tensor.dtype),
        )
    strided = tensor.layout == torch.strided
    if strided and shares_memory_within(tuple(tensor.shape), tensor.stride(), 1):
        raise call_error(
            ("tensor",),
            "invalid_argument",
            f"init_ cannot fill a tensor whose elements share memory (strides {tensor.stride()} "
            f"for shape {tuple(tensor.shape)}, as expand() makes); fill the tensor it views",
            list(tensor.shape),
        )
    init = initializer_of(identifier, "init_")
    np_dtype = _NUMPY_DTYPES.get(tensor.dtype, np.float32)  # bfloat16: float32, rounded by copy_
    permuted = layout == "torch" and len(shape) >= 2
    with torch.no_grad():
        if (
            strided
            and tensor.device.type == "cpu"
            and tensor.dtype in _NUMPY_DTYPES
            and isinstance(init, Filler)
        ):
            view = tensor.detach().numpy()  # its memory, in any layout
            if permuted:
                view = view.transpose(_to_keras_order(len(shape)))
            init(shape, np_dtype, out=view)  # each block straight into its place
            _written(tensor)
            return tensor
        values = _values(init, shape, np_dtype)
        source = torch.from_numpy(values)
        if permuted:
            source = source.permute(_to_torch_order(len(shape)))
        tensor.copy_(source)
    return tensor


def _written(tensor: torch.Tensor) -> None:
    """Tell autograd the tensor changed, as an in-place torch operation would (torch >= 2.1)."""
    increment = getattr(torch.autograd.graph, "increment_version", None)
    if increment is not None:
        increment(tensor)


def _values(init: Callable[..., Any], shape: tuple[int, ...], dtype: Any) -> np.ndarray[Any, Any]:
    if isinstance(init, Filler):
        return init(shape, dtype)
    values = np.asarray(init(shape, dtype))  # any other callable, as Keras would call it
    if values.shape != shape or values.dtype.kind != "f":
        raise call_error(
            ("shape",),
            "shape_mismatch",
            f"the initializer returned {values.dtype} values of shape {values.shape} for the "
            f"floating shape {shape}",
            list(values.shape),
        )
    return values


# --- keras_init_ ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Plan:
    """How one parameter (or buffer) of a ``torch.nn`` layer gets its Keras default.

    ``keras_weight`` names the Keras layer's weight it corresponds to (``"bias[1]"``: row 1 of
    Keras's ``bias``); ``keras_shape`` is the Keras tensor made; ``gates`` reorders its gate
    blocks (the last Keras axis, in blocks) into PyTorch's order before the transpose.
    """

    name: str
    keras_weight: str
    initializer: Initializer[Any]
    keras_shape: tuple[int, ...]
    layout: Layout = "torch"
    gates: tuple[int, ...] = ()
    forget_bias: bool = False  #: LSTM's ``unit_forget_bias``: the forget block is 1


_KERNEL = GlorotUniform()
_RECURRENT = Orthogonal()
_ZEROS = Zeros()
_ONES = Ones()
_EMBEDDING = RandomUniform(minval=-0.05, maxval=0.05)  # Keras's "uniform"

#: Keras gate blocks, in PyTorch's order: LSTM i,f,c,o = i,f,g,o; GRU z,r,h -> r,z,n.
_GATES = {"RNN_TANH": (0,), "RNN_RELU": (0,), "LSTM": (0, 1, 2, 3), "GRU": (1, 0, 2)}


def _conv_types() -> tuple[type[Any], ...]:
    nn = torch.nn
    return (
        nn.Linear,
        nn.Conv1d,
        nn.Conv2d,
        nn.Conv3d,
        nn.ConvTranspose1d,
        nn.ConvTranspose2d,
        nn.ConvTranspose3d,
    )


def _rnn_plans(module: Any) -> list[Plan] | None:
    nn = torch.nn
    if isinstance(module, nn.RNNBase):
        mode = module.mode
        if getattr(module, "proj_size", 0):
            return None  # Keras's LSTM has no projection
        suffixes = [
            f"_l{layer}{'_reverse' if direction else ''}"
            for layer in range(module.num_layers)
            for direction in range(2 if module.bidirectional else 1)
        ]
    elif isinstance(module, (nn.RNNCell, nn.LSTMCell, nn.GRUCell)):
        mode = {nn.LSTMCell: "LSTM", nn.GRUCell: "GRU"}.get(type(module), "RNN_TANH")
        suffixes = [""]
    else:
        return None
    gates = _GATES[mode]
    plans = []
    for suffix in suffixes:
        params = dict(module.named_parameters(recurse=False))
        w_ih, w_hh = params[f"weight_ih{suffix}"], params[f"weight_hh{suffix}"]
        plans.append(
            Plan(
                f"weight_ih{suffix}", "kernel", _KERNEL, (w_ih.shape[1], w_ih.shape[0]), gates=gates
            )
        )
        plans.append(
            Plan(
                f"weight_hh{suffix}",
                "recurrent_kernel",
                _RECURRENT,
                (w_hh.shape[1], w_hh.shape[0]),
                gates=gates,
            )
        )
        if f"bias_ih{suffix}" in params:
            width = (w_ih.shape[0],)
            two_rows = mode == "GRU"  # Keras 3's GRU (reset_after) keeps the two biases apart
            plans.append(
                Plan(
                    f"bias_ih{suffix}",
                    "bias[0]" if two_rows else "bias",
                    _ZEROS,
                    width,
                    gates=gates,
                    forget_bias=mode == "LSTM",
                )
            )
            plans.append(
                Plan(
                    f"bias_hh{suffix}",
                    "bias[1]" if two_rows else "bias",
                    _ZEROS,
                    width,
                    gates=gates,
                )
            )
    return plans


def keras_plan(module: Any) -> list[Plan] | None:
    """The Keras defaults for the parameters and buffers of one module (not its children), or
    ``None`` for a module whose parameters initspec does not know how Keras would initialize.

    >>> import torch
    >>> [(p.name, p.keras_weight, type(p.initializer).__name__, p.keras_shape)
    ...  for p in keras_plan(torch.nn.Linear(3, 2))]
    [('weight', 'kernel', 'GlorotUniform', (3, 2)), ('bias', 'bias', 'Zeros', (2,))]
    """
    nn = torch.nn
    if isinstance(module, _conv_types()):
        plans = [Plan("weight", "kernel", _KERNEL, keras_shape(tuple(module.weight.shape)))]
        if module.bias is not None:
            plans.append(Plan("bias", "bias", _ZEROS, tuple(module.bias.shape)))
        return plans
    if isinstance(module, nn.Embedding):
        return [Plan("weight", "embeddings", _EMBEDDING, tuple(module.weight.shape), "keras")]
    if isinstance(module, nn.modules.batchnorm._BatchNorm):
        plans = []
        if module.affine:
            plans += [
                Plan("weight", "gamma", _ONES, tuple(module.weight.shape)),
                Plan("bias", "beta", _ZEROS, tuple(module.bias.shape)),
            ]
        if module.running_mean is not None and module.running_var is not None:
            plans += [
                Plan("running_mean", "moving_mean", _ZEROS, tuple(module.running_mean.shape)),
                Plan("running_var", "moving_variance", _ONES, tuple(module.running_var.shape)),
            ]
        return plans
    if isinstance(module, nn.LayerNorm):
        plans = []
        if module.weight is not None:
            plans.append(Plan("weight", "gamma", _ONES, tuple(module.weight.shape), "keras"))
        if module.bias is not None:
            plans.append(Plan("bias", "beta", _ZEROS, tuple(module.bias.shape), "keras"))
        return plans
    return _rnn_plans(module)


def keras_init_(module: Any, *, seed: int | None = None) -> list[str]:
    """Initialize every parameter of the standard ``torch.nn`` layers in ``module`` (itself and
    its descendants) as the matching Keras layer does by default; return the names of the
    modules with parameters it does not know, which are left untouched.

    With ``seed``, each parameter's initializer is seeded with
    ``sampling.derive_seed(seed, "<module name>.<parameter name>")``, so the same module gets
    the same values every time; without, each draws a fresh seed.

    >>> import torch
    >>> import initspec.torch
    >>> model = torch.nn.Sequential(torch.nn.Conv2d(3, 8, 3), torch.nn.PReLU())
    >>> initspec.torch.keras_init_(model, seed=0)
    ['1']
    >>> float(model[0].bias.detach().abs().sum())
    0.0
    """
    if not isinstance(module, torch.nn.Module):
        raise InitializerError.single(
            ("module",),
            "invalid_argument",
            f"keras_init_ initializes a torch.nn.Module; got {describe(module)}",
            repr(module)[:200],
            "keras_init_()",
        )
    unknown: list[str] = []
    for name, child in module.named_modules():
        if any(torch.nn.parameter.is_lazy(p) for p in child.parameters(recurse=False)):
            unknown.append(name)  # not materialized yet: no shape to initialize
            continue
        plans = keras_plan(child)
        own = {n for n, _ in child.named_parameters(recurse=False)}
        if plans is None or not own <= {plan.name for plan in plans}:
            if own:  # e.g. a subclass of a known layer with parameters of its own
                unknown.append(name)
            continue
        tensors = {
            **dict(child.named_parameters(recurse=False)),
            **dict(child.named_buffers(recurse=False)),
        }
        for plan in plans:
            tensor = tensors[plan.name]
            label = f"{name}.{plan.name}" if name else plan.name
            init = (
                plan.initializer
                if seed is None
                else reseeded(plan.initializer, derive_seed(seed, label))
            )
            if seed is None:
                init = init.clone()  # unseeded: a fresh seed for each parameter
            _fill_plan(tensor, plan, init)
        if isinstance(child, torch.nn.Embedding) and child.padding_idx is not None:
            with torch.no_grad():
                child.weight[child.padding_idx].fill_(0)  # PyTorch's padding row stays zero
        if isinstance(child, torch.nn.modules.batchnorm._BatchNorm) and (
            child.num_batches_tracked is not None
        ):
            child.num_batches_tracked.zero_()
    return unknown


def _fill_plan(tensor: torch.Tensor, plan: Plan, init: Initializer[Any]) -> None:
    if not plan.gates:
        init_(tensor, init, layout=plan.layout)
        return
    values = init(plan.keras_shape, _NUMPY_DTYPES.get(tensor.dtype, np.float32))
    if plan.forget_bias:
        values[values.shape[-1] // 4 : values.shape[-1] // 2] = 1
    blocks = np.split(values, len(plan.gates), axis=-1)
    reordered = np.concatenate([blocks[g] for g in plan.gates], axis=-1)
    with torch.no_grad():
        tensor.copy_(torch.from_numpy(np.ascontiguousarray(reordered.T)))
