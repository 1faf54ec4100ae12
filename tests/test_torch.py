"""``initspec.torch``: Keras initializers in PyTorch's layouts, against real torch and Keras 3."""

from __future__ import annotations

import math
import os
import subprocess
import sys
import textwrap
from typing import Any

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="torch is not installed (the test extra has it)")

import initspec  # noqa: E402
import initspec.torch as itorch  # noqa: E402
from helpers import first_error  # noqa: E402
from initspec.sampling import derive_seed  # noqa: E402

nn = torch.nn

IDENTIFIERS: list[Any] = [
    {"class_name": "GlorotUniform", "config": {"seed": 1}},
    {"class_name": "HeNormal", "config": {"seed": 2}},
    {"class_name": "TruncatedNormal", "config": {"stddev": 0.02, "seed": 3}},
    {"class_name": "Orthogonal", "config": {"gain": 1.5, "seed": 4}},
    {
        "class_name": "VarianceScaling",
        "config": {"scale": 3.0, "mode": "fan_out", "distribution": "uniform", "seed": 5},
    },
    {"class_name": "RandomUniform", "config": {"minval": -2.0, "maxval": 1.0, "seed": 6}},
    "ones",
]


def _np(tensor: Any) -> np.ndarray[Any, Any]:
    return (
        tensor.detach()
        .to(torch.float32 if tensor.dtype == torch.bfloat16 else tensor.dtype)
        .numpy()
    )


@pytest.mark.parametrize("identifier", IDENTIFIERS, ids=repr)
def test_linear_weight_is_the_keras_kernel_transposed(identifier: Any) -> None:
    weight = nn.Linear(7, 5).weight  # (out, in)
    returned = itorch.init_(weight, identifier)
    assert returned is weight
    expected = initspec.get(identifier)((7, 5)).T  # Keras's kernel is (in, out)
    assert np.array_equal(_np(weight), expected)


@pytest.mark.parametrize(
    ("module", "keras_shape"),
    [
        (nn.Conv1d(3, 8, 5), (5, 3, 8)),
        (nn.Conv2d(4, 6, (3, 5)), (3, 5, 4, 6)),
        (nn.Conv2d(4, 6, 3, groups=2), (3, 3, 2, 6)),
        (nn.Conv3d(2, 4, (2, 3, 4)), (2, 3, 4, 2, 4)),
        # transposed: PyTorch (in, out, *k); Keras's own kernel is (*k, filters=out, in)
        (nn.ConvTranspose1d(3, 8, 5), (5, 8, 3)),
        (nn.ConvTranspose2d(4, 6, (3, 5)), (3, 5, 6, 4)),
        (nn.ConvTranspose3d(2, 4, (2, 3, 4)), (2, 3, 4, 4, 2)),
    ],
    ids=lambda v: type(v).__name__ if isinstance(v, nn.Module) else str(v),
)
@pytest.mark.parametrize("identifier", IDENTIFIERS[:3], ids=repr)
def test_conv_weights_are_the_keras_kernel_permuted(
    module: Any, keras_shape: tuple[int, ...], identifier: Any
) -> None:
    assert itorch.keras_shape(module.weight.shape) == keras_shape
    itorch.init_(module.weight, identifier)
    kernel = initspec.get(identifier)(keras_shape)
    rank = len(keras_shape)
    expected = np.transpose(kernel, (rank - 1, rank - 2, *range(rank - 2)))
    assert np.array_equal(_np(module.weight), expected)


def test_fans_follow_keras_for_a_conv_weight() -> None:
    # he_uniform: limit sqrt(6 / fan_in), fan_in = receptive field * input channels (Keras)
    conv = nn.Conv2d(16, 32, 3)
    itorch.init_(conv.weight, {"class_name": "HeUniform", "config": {"seed": 12}})
    values = _np(conv.weight)
    limit = math.sqrt(6 / (3 * 3 * 16))
    assert values.max() <= limit
    assert values.min() >= -limit
    # n uniforms on [-limit, limit]: P(max < limit * (1 - 40 / n)) = (1 - 20 / n) ** n < e**-20
    n = values.size
    assert values.max() > limit * (1 - 40 / n)
    # fan_out = receptive field * output channels = 3 * 3 * 32 (fan_in would be half of it)
    config = {"mode": "fan_out", "distribution": "uniform", "seed": 13}
    itorch.init_(conv.weight, {"class_name": "VarianceScaling", "config": config})
    limit = math.sqrt(3 / (3 * 3 * 32))
    values = np.abs(_np(conv.weight))
    assert limit * (1 - 40 / n) < values.max() <= limit


def test_transposed_conv_fans_are_keras_own() -> None:
    # ConvTranspose2d(16, 32, 3).weight is (16, 32, 3, 3); Keras's kernel (3, 3, 32, 16) has
    # fan_in = 3 * 3 * 32 (its second-to-last axis), so he_uniform's limit is sqrt(6 / 288)
    conv = nn.ConvTranspose2d(16, 32, 3)
    itorch.init_(conv.weight, {"class_name": "HeUniform", "config": {"seed": 14}})
    values = np.abs(_np(conv.weight))
    limit = math.sqrt(6 / (3 * 3 * 32))
    assert limit * (1 - 40 / values.size) < values.max() <= limit


@pytest.mark.parametrize("dtype", ["float16", "bfloat16", "float32", "float64"])
def test_floating_dtypes(dtype: str) -> None:
    identifier = {"class_name": "HeNormal", "config": {"seed": 11}}
    tensor = torch.empty(6, 10, dtype=getattr(torch, dtype))
    itorch.init_(tensor, identifier)
    expected = initspec.get(identifier)((10, 6), dtype).T
    assert np.array_equal(_np(tensor), expected.astype(np.float64).astype(_np(tensor).dtype))
    flat = torch.empty(13, dtype=getattr(torch, dtype))
    itorch.init_(flat, identifier)
    assert np.array_equal(
        _np(flat), initspec.get(identifier)((13,), dtype).astype(np.float64).astype(_np(flat).dtype)
    )


def test_no_autograd_history_and_same_storage() -> None:
    linear = nn.Linear(4, 3)
    storage = linear.weight.data_ptr(), linear.bias.data_ptr()
    before = linear.weight._version
    itorch.init_(linear.weight, "glorot_normal")
    itorch.init_(linear.bias, {"class_name": "Constant", "config": {"value": 0.5}})
    for param in (linear.weight, linear.bias):
        assert param.requires_grad
        assert param.is_leaf
        assert param.grad_fn is None
    assert (linear.weight.data_ptr(), linear.bias.data_ptr()) == storage
    assert linear.weight._version > before
    assert linear.bias._version > 0  # the zero-copy path tells autograd too
    assert np.array_equal(_np(linear.bias), np.full(3, 0.5, np.float32))
    linear(torch.ones(2, 4)).sum().backward()  # still trainable
    assert linear.weight.grad is not None


def test_keras_layout_and_views() -> None:
    identifier = {"class_name": "RandomNormal", "config": {"seed": 8}}
    tensor = torch.empty(3, 4, 5)
    itorch.init_(tensor, identifier, layout="keras")
    assert np.array_equal(_np(tensor), initspec.get(identifier)((3, 4, 5)))
    base = torch.zeros(5, 8)
    view = base.T  # not contiguous: filled in place, the base sees the values
    itorch.init_(view, identifier, layout="keras")
    assert np.array_equal(_np(base).T, initspec.get(identifier)((8, 5)))
    column = torch.zeros(4, 3)[:, 1]
    itorch.init_(column, identifier)
    assert np.array_equal(_np(column), initspec.get(identifier)((4,)))


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
def test_a_permuted_weight_is_filled_in_its_own_memory(
    dtype: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A Linear weight several blocks large gets the transposed Keras kernel without a
    temporary of its size: each block goes from a worker's scratch space into its place."""
    import tracemalloc

    monkeypatch.setenv("INITSPEC_NUM_THREADS", "2")
    identifier = {"class_name": "GlorotUniform", "config": {"seed": 21}}
    # 122 blocks of the stream; a worker's transient memory is a few blocks, whatever the size
    weight = nn.Linear(4000, 2000, dtype=getattr(torch, dtype)).weight
    expected = initspec.get(identifier)((4000, 2000), dtype).T
    itorch.init_(weight, identifier)  # scratch space made once, outside the measurement
    weight.data.zero_()
    tracemalloc.start()
    try:
        itorch.init_(weight, identifier)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert np.array_equal(_np(weight), expected)
    assert peak < weight.numel() * weight.element_size() / 4, peak


@pytest.mark.parametrize(
    ("shape", "memory_format"),
    [((64, 32, 3, 3), "channels_last"), ((8, 4, 3, 3, 3), "channels_last_3d")],
)
def test_channels_last_weights_get_the_same_values(
    shape: tuple[int, ...], memory_format: str
) -> None:
    identifier = {"class_name": "HeNormal", "config": {"seed": 23}}
    weight = torch.empty(shape).to(memory_format=getattr(torch, memory_format))
    assert not weight.is_contiguous()
    itorch.init_(weight, identifier)
    kernel = initspec.get(identifier)(itorch.keras_shape(shape))
    rank = len(shape)
    assert np.array_equal(_np(weight), np.transpose(kernel, (rank - 1, rank - 2, *range(rank - 2))))


def test_a_slice_of_a_weight_gets_its_own_keras_kernel() -> None:
    identifier = {"class_name": "HeNormal", "config": {"seed": 22}}
    base = torch.full((9, 40), -1.0)
    part = base[2:7, 5:35:3]  # (5, 10): a non-contiguous view of (out, in) memory
    itorch.init_(part, identifier)
    assert np.array_equal(_np(part), initspec.get(identifier)((10, 5)).T)
    outside = torch.ones_like(base, dtype=torch.bool)
    outside[2:7, 5:35:3] = False
    assert bool((base[outside] == -1.0).all())


def test_other_devices_go_through_copy() -> None:
    meta = torch.empty(4, 3, device="meta")  # no data: the copy is all that can happen
    assert itorch.init_(meta, "glorot_uniform") is meta
    assert meta.device.type == "meta"


def test_plain_callables_are_called_with_the_keras_shape() -> None:
    tensor = torch.empty(2, 3)
    itorch.init_(tensor, lambda shape, dtype=None: np.arange(6.0).reshape(shape))
    assert np.array_equal(_np(tensor), np.arange(6.0).reshape(3, 2).T)
    with pytest.raises(initspec.InitializerError) as info:
        itorch.init_(tensor, lambda shape, dtype=None: np.zeros(4))
    assert info.value.errors[0].type == "shape_mismatch"


@pytest.mark.parametrize(
    ("call", "code", "loc"),
    [
        (
            lambda: itorch.init_(torch.zeros(3, dtype=torch.int64), "ones"),
            "unsupported_dtype",
            ("dtype",),
        ),
        (lambda: itorch.init_(torch.zeros(2, 1, 1, 1, 1, 2), "ones"), "invalid_shape", ("shape",)),
        (
            lambda: itorch.init_(torch.zeros(2), "ones", layout="tf"),
            "invalid_argument",
            ("layout",),
        ),  # type: ignore[arg-type]
        (lambda: itorch.init_(torch.zeros(2), None), "invalid_identifier", ()),
        (lambda: itorch.init_(np.zeros(2), "ones"), "invalid_argument", ("tensor",)),
        (lambda: itorch.init_(torch.zeros(2), "orthogonal"), "invalid_shape", ("shape",)),
        (lambda: itorch.init_(torch.zeros(2), "glorot_unifrom"), "unknown_name", ()),
        (
            lambda: itorch.init_(torch.zeros(2), {"class_name": "HeNormal", "config": {"sed": 1}}),
            "unknown_key",
            ("config", "sed"),
        ),
        (lambda: itorch.keras_init_(object()), "invalid_argument", ("module",)),
        (  # expand(): four rows that are one row of memory
            lambda: itorch.init_(torch.zeros(3).expand(4, 3), "ones"),
            "invalid_argument",
            ("tensor",),
        ),
    ],
)
def test_errors_are_initializer_errors(call: Any, code: str, loc: tuple[Any, ...]) -> None:
    assert first_error(call) == (code, loc)


def test_an_unmappable_layout_leaves_the_tensor_alone() -> None:
    tensor = torch.zeros(2, 1, 1, 1, 1, 2)
    with pytest.raises(initspec.InitializerError, match="layout='keras'"):
        itorch.init_(tensor, "ones")
    assert not tensor.any()
    itorch.init_(tensor, "ones", layout="keras")
    assert tensor.all()


# --- keras_init_ ------------------------------------------------------------------------------


def _model() -> Any:
    return nn.Sequential(
        nn.Conv2d(3, 8, 3),
        nn.BatchNorm2d(8),
        nn.Flatten(),
        nn.Linear(8, 4),
        nn.LayerNorm(4),
    )


def test_keras_init_with_a_seed_is_reproducible_and_matches_init_() -> None:
    a, b, c = _model(), _model(), _model()
    assert itorch.keras_init_(a, seed=3) == []
    itorch.keras_init_(b, seed=3)
    itorch.keras_init_(c, seed=4)
    for (name, pa), pb, pc in zip(
        a.named_parameters(), b.parameters(), c.parameters(), strict=True
    ):
        assert torch.equal(pa, pb), name
        if name.endswith("weight") and name[0] in "03":
            assert not torch.equal(pa, pc), name
    expected = initspec.GlorotUniform(seed=derive_seed(3, "3.weight"))((8, 4)).T
    assert np.array_equal(_np(a[3].weight), expected)
    conv = initspec.GlorotUniform(seed=derive_seed(3, "0.weight"))((3, 3, 3, 8))
    assert np.array_equal(_np(a[0].weight), conv.transpose(3, 2, 0, 1))
    for tensor in (a[0].bias, a[3].bias, a[1].bias, a[4].bias, a[1].running_mean):
        assert not tensor.any()
    for tensor in (a[1].weight, a[4].weight, a[1].running_var):
        assert (tensor == 1).all()


def test_keras_init_without_a_seed_differs_each_time() -> None:
    a, b = _model(), _model()
    itorch.keras_init_(a)
    itorch.keras_init_(b)
    assert not torch.equal(a[0].weight, b[0].weight)
    assert not torch.equal(a[3].weight, a[3].weight.new_zeros(a[3].weight.shape))


def test_keras_init_lists_unknown_layers_and_leaves_them_alone() -> None:
    model = nn.Sequential(
        nn.Linear(4, 4),
        nn.PReLU(),
        nn.MultiheadAttention(4, 2),
        nn.ReLU(),
        nn.LSTM(4, 4, proj_size=2),
    )
    prelu = model[1].weight.detach().clone()
    attention = model[2].in_proj_weight.detach().clone()
    assert itorch.keras_init_(model, seed=0) == ["1", "2", "4"]
    assert torch.equal(model[1].weight, prelu)
    assert torch.equal(model[2].in_proj_weight, attention)
    assert not model[2].out_proj.bias.any()  # its Linear child is known

    class LoRALinear(nn.Linear):  # a known layer with parameters Keras's Dense does not have
        def __init__(self) -> None:
            super().__init__(4, 4)
            self.lora = nn.Parameter(torch.full((2, 4), 7.0))

    lora = LoRALinear()
    before = lora.weight.detach().clone()
    assert itorch.keras_init_(nn.Sequential(lora), seed=0) == ["0"]
    assert torch.equal(lora.weight, before)
    assert (lora.lora == 7).all()
    lazy = nn.Sequential(nn.LazyLinear(3), nn.Linear(3, 2))
    assert itorch.keras_init_(lazy, seed=0) == ["0"]
    lazy(torch.ones(1, 5))  # materialized: now it is a Linear like any other
    assert itorch.keras_init_(lazy, seed=0) == []
    assert not lazy[0].bias.any()


def test_embedding() -> None:
    emb = nn.Embedding(50, 8, padding_idx=0)
    itorch.keras_init_(emb, seed=1)
    values = _np(emb.weight)
    expected = initspec.RandomUniform(minval=-0.05, maxval=0.05, seed=derive_seed(1, "weight"))
    assert np.array_equal(values[1:], expected((50, 8))[1:])  # Keras layout: (input, output)
    assert not values[0].any()  # PyTorch's padding row stays zero


@pytest.mark.parametrize("kind", ["RNN", "LSTM", "GRU"])
def test_recurrent_layers(kind: str) -> None:
    hidden, inputs = 5, 3
    gates = {"RNN": 1, "LSTM": 4, "GRU": 3}[kind]
    rnn = getattr(nn, kind)(inputs, hidden, num_layers=2, bidirectional=True)
    assert itorch.keras_init_(rnn, seed=9) == []
    names = [n for n, _ in rnn.named_parameters()]
    assert len(names) == 16
    for name, param in rnn.named_parameters():
        values = _np(param).astype(np.float64)
        if name.startswith("weight_hh"):
            # Keras's recurrent kernel (units, gates * units) is orthogonal as a whole
            assert np.allclose(values.T @ values, np.eye(hidden), atol=1e-5), name
        if name.startswith("bias_ih") and kind == "LSTM":
            assert np.array_equal(
                values, np.r_[np.zeros(hidden), np.ones(hidden), np.zeros(2 * hidden)]
            ), name
        elif name.startswith("bias"):
            assert not values.any(), name
    # gate order: PyTorch's GRU rows are r, z, n; Keras's kernel columns are z, r, h
    kernel = initspec.GlorotUniform(seed=derive_seed(9, "weight_ih_l1_reverse"))(
        (2 * hidden, gates * hidden)
    )
    blocks = np.split(kernel, gates, axis=1)
    order = {"RNN": [0], "LSTM": [0, 1, 2, 3], "GRU": [1, 0, 2]}[kind]
    expected = np.concatenate([blocks[g] for g in order], axis=1).T
    assert np.array_equal(_np(rnn.weight_ih_l1_reverse), expected)


def test_cells() -> None:
    cell = nn.GRUCell(3, 4)
    assert itorch.keras_init_(cell, seed=2) == []
    kernel = initspec.GlorotUniform(seed=derive_seed(2, "weight_ih"))((3, 12))
    z, r, h = np.split(kernel, 3, axis=1)
    assert np.array_equal(_np(cell.weight_ih), np.concatenate([r, z, h], axis=1).T)


# --- against real Keras 3 ---------------------------------------------------------------------


def _keras() -> Any:
    os.environ.setdefault("KERAS_BACKEND", "numpy")
    keras = pytest.importorskip("keras")
    if keras.backend.backend() != "numpy":  # pragma: no cover
        pytest.skip("another Keras backend was preselected")
    return keras


def _pairs() -> list[tuple[Any, Any, tuple[int, ...]]]:
    """(torch module, a function making the matching Keras layer, Keras input shape)."""
    return [
        (nn.Linear(6, 4), lambda k: k.layers.Dense(4), (2, 6)),
        (nn.Conv1d(3, 5, 4), lambda k: k.layers.Conv1D(5, 4), (1, 9, 3)),
        (nn.Conv2d(3, 5, (2, 3)), lambda k: k.layers.Conv2D(5, (2, 3)), (1, 6, 6, 3)),
        (nn.Conv3d(2, 4, 2), lambda k: k.layers.Conv3D(4, 2), (1, 4, 4, 4, 2)),
        (nn.ConvTranspose1d(3, 5, 4), lambda k: k.layers.Conv1DTranspose(5, 4), (1, 9, 3)),
        (
            nn.ConvTranspose2d(3, 5, (2, 3)),
            lambda k: k.layers.Conv2DTranspose(5, (2, 3)),
            (1, 6, 6, 3),
        ),
        (nn.ConvTranspose3d(2, 4, 2), lambda k: k.layers.Conv3DTranspose(4, 2), (1, 4, 4, 4, 2)),
        (nn.Embedding(20, 6), lambda k: k.layers.Embedding(20, 6), (1, 3)),
        (nn.RNN(3, 5), lambda k: k.layers.SimpleRNN(5), (1, 2, 3)),
        (nn.LSTM(3, 5), lambda k: k.layers.LSTM(5), (1, 2, 3)),
        (nn.GRU(3, 5), lambda k: k.layers.GRU(5), (1, 2, 3)),
        (nn.BatchNorm1d(7), lambda k: k.layers.BatchNormalization(), (2, 7)),
        (nn.LayerNorm(7), lambda k: k.layers.LayerNormalization(), (2, 7)),
    ]


@pytest.mark.keras
@pytest.mark.parametrize("index", range(13))
def test_plans_match_the_keras_layer(index: int) -> None:
    keras = _keras()
    module, make, input_shape = _pairs()[index]
    layer = make(keras)
    layer.build(input_shape)
    owner = getattr(layer, "cell", layer)
    plans = itorch.keras_plan(module)
    assert plans is not None
    covered = {p.name for p in plans}
    assert covered == {n for n, _ in module.named_parameters()} | {
        n for n, _ in module.named_buffers() if n != "num_batches_tracked"
    }
    itorch.keras_init_(module, seed=0)
    tensors = {**dict(module.named_parameters()), **dict(module.named_buffers())}
    keras_weights = {w.path.rsplit("/", 1)[-1]: w for w in layer.weights}
    assert {p.keras_weight.split("[")[0] for p in plans} == set(keras_weights)
    for plan in plans:
        name, _, row = plan.keras_weight.partition("[")
        weight = keras_weights[name]
        shape = tuple(weight.shape)
        if row:  # Keras's GRU keeps the input and recurrent biases as rows of one weight
            shape = shape[1:]
        assert shape == plan.keras_shape, plan
        # the initializer Keras uses for that weight (the layer's *_initializer attribute)
        attribute = {"recurrent_kernel": "recurrent"}.get(name, name)
        keras_init = getattr(owner, f"{attribute}_initializer")
        assert type(keras_init).__name__ == type(plan.initializer).__name__, plan
        assert keras_init.get_config() == {**plan.initializer.get_config(), "seed": None} or (
            "seed" not in plan.initializer.get_config()
            and keras_init.get_config() == plan.initializer.get_config()
        ), plan
        values = np.asarray(keras.ops.convert_to_numpy(weight))
        if row:
            values = values[int(row[0])]
        if type(plan.initializer).__name__ in ("Zeros", "Ones"):  # deterministic: equal values
            mapped = values
            if plan.gates and len(plan.keras_shape) == 1:
                blocks = np.split(values, len(plan.gates))
                mapped = np.concatenate([blocks[g] for g in plan.gates])
            torch_values = _np(tensors[plan.name])
            if plan.name.startswith("bias_hh") and plan.keras_weight == "bias":
                mapped = np.zeros_like(mapped)  # Keras's one bias is PyTorch's bias_ih + bias_hh
            assert np.array_equal(torch_values, mapped), plan


def test_import_without_torch_says_what_to_install() -> None:
    code = textwrap.dedent(
        """
        import sys
        sys.modules["torch"] = None
        sys.modules["jax"] = None
        import initspec
        initspec.get("he_normal")((2, 2))
        import pydantic
        class M(pydantic.BaseModel):
            k: initspec.InitializerField = "zeros"
        M()
        for name in ("torch", "jax"):
            try:
                __import__("initspec." + name)
            except ImportError as exc:
                print(exc)
        """
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert 'pip install "initspec[torch]"' in out.stdout
    assert 'pip install "initspec[jax]"' in out.stdout


def test_import_initspec_does_not_import_the_frameworks() -> None:
    code = (
        "import sys, initspec; initspec.get('he_normal'); initspec.InitializerField; "
        "print(sorted(m for m in ('torch', 'jax', 'pydantic_settings') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
