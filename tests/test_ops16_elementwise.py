"""Issue 16, elementwise part: forward against numpy/math on hypothesis arrays, gradients
against finite differences (float64, shapes with broadcasting and size-1 dims), second
order for the smooth ones, integer/bool dtype rules, operators and in-place forms.

Values stay inside each op's domain and away from its kinks (floor at integers, fmod
where a/b crosses an integer), so finite differences are valid there.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import autograd_lite as ag
from autograd_lite.testing import gradcheck, gradgradcheck
from autograd_lite.testing.strategies import (
    arrays,
    broadcastable_shapes,
    floats,
    positive,
    shapes,
    tensors,
)

SMALL = shapes(max_dims=3, max_side=3)
UNIT = floats(-0.9, 0.9)  # inside (-1, 1): asin, acos, atanh

# op -> (numpy reference, values in its domain)
SMOOTH = {
    "tan": (np.tan, floats(-1.2, 1.2)),
    "asin": (np.arcsin, UNIT),
    "acos": (np.arccos, UNIT),
    "atan": (np.arctan, floats()),
    "sinh": (np.sinh, floats()),
    "cosh": (np.cosh, floats()),
    "asinh": (np.arcsinh, floats()),
    "acosh": (np.arccosh, positive(1.1, 4.0)),
    "atanh": (np.arctanh, UNIT),
    "log2": (np.log2, positive()),
    "log10": (np.log10, positive()),
    "log1p": (np.log1p, floats(-0.9, 3.0)),
    "exp2": (np.exp2, floats()),
    "expm1": (np.expm1, floats()),
    "rsqrt": (lambda v: 1 / np.sqrt(v), positive()),
    "reciprocal": (lambda v: 1 / v, positive(0.3, 3.0)),
    "square": (np.square, floats()),
    "erf": (np.vectorize(math.erf, otypes=[float]), floats()),
    "erfc": (np.vectorize(math.erfc, otypes=[float]), floats()),
}
# op -> numpy reference; zero gradient (as PyTorch), checked away from the jumps
STEPS = {"floor": np.floor, "ceil": np.ceil, "trunc": np.trunc, "round": np.round,
         "sign": np.sign, "sgn": np.sign}
OFF_INTEGERS = floats(-3, 3).filter(lambda v: abs(2 * v - np.round(2 * v)) > 0.1)  # and halves


@pytest.mark.parametrize("name", sorted(SMOOTH))
@settings(max_examples=6)
@given(data=st.data())
def test_smooth_unary_forward_gradient_and_second_order(name, data):
    ref, values = SMOOTH[name]
    x = data.draw(tensors(shape=SMALL, elements=values))
    np.testing.assert_allclose(getattr(ag, name)(x).data, ref(x.data), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(getattr(x, name)().data, ref(x.data), rtol=1e-12, atol=1e-14)
    assert gradcheck(getattr(ag, name), (x,))
    assert gradgradcheck(lambda t: getattr(t, name)(), (x,))


@pytest.mark.parametrize("name", sorted(STEPS))
@settings(max_examples=6)
@given(x=tensors(shape=SMALL, elements=OFF_INTEGERS))
def test_steps_forward_and_zero_gradient(name, x):
    out = getattr(ag, name)(x)
    np.testing.assert_array_equal(out.data, STEPS[name](x.data))
    out.sum().backward()
    np.testing.assert_array_equal(x.grad.data, np.zeros(x.shape))
    assert gradcheck(getattr(ag, name), (x,))


@given(x=tensors(shape=SMALL, elements=OFF_INTEGERS))
def test_frac_is_x_minus_trunc_with_gradient_one(x):
    np.testing.assert_array_equal(ag.frac(x).data, x.data - np.trunc(x.data))
    assert gradcheck(ag.frac, (x,))
    assert ag.frac(ag.tensor(-2.5)).item() == -0.5


def test_round_half_to_even_and_decimals():
    x = ag.tensor([0.5, 1.5, 2.5, -0.5, -1.5, 1.25, 1234.5])
    assert ag.round(x).tolist() == [0.0, 2.0, 2.0, -0.0, -2.0, 1.0, 1234.0]
    np.testing.assert_allclose(x.round(decimals=1).data, np.round(x.data, 1))
    assert ag.round(ag.tensor([1234.5]), decimals=-2).tolist() == [1200.0]


def test_erf_is_exact_and_erfc_keeps_its_tail():
    v = np.linspace(-6, 6, 241)
    assert ag.erf(v).data.tolist() == [math.erf(a) for a in v]
    assert ag.erfc(np.array([10.0, 26.0])).data.tolist() == [math.erfc(10.0), math.erfc(26.0)]
    assert ag.erfc(ag.tensor([10.0])).item() > 0  # 1 - erf(10) would be 0
    assert ag.erf(ag.tensor(np.ones((0, 2)))).shape == (0, 2)
    assert ag.erf(ag.tensor(0.5, dtype=ag.float32)).dtype == np.float32


def test_accurate_near_zero():
    tiny = ag.tensor([1e-12])
    assert ag.log1p(tiny).item() == pytest.approx(1e-12, rel=1e-12)
    assert ag.expm1(tiny).item() == pytest.approx(1e-12, rel=1e-12)


# ----------------------------------------------------------------------------------------
# Binary ops: broadcasting pairs


@st.composite
def pair(draw, a_values=None, b_values=None):
    sa, sb = draw(broadcastable_shapes(2, max_dims=3, max_side=3))
    return (draw(tensors(shape=sa, elements=a_values)),
            draw(tensors(shape=sb, elements=b_values)))


def xlogy_ref(x, y):
    return np.where(x == 0, 0.0, x * np.log(y))


BINARY = {  # op -> (numpy reference, a values, b values, second order)
    "atan2": (np.arctan2, floats(), positive(0.3, 3.0), True),
    "hypot": (np.hypot, positive(0.3, 3.0), floats(), True),
    "logaddexp": (np.logaddexp, floats(), floats(), True),
    "logaddexp2": (np.logaddexp2, floats(), floats(), True),
    "xlogy": (xlogy_ref, floats(), positive(), True),
    "fmod": (np.fmod, floats(0.05, 0.95).map(lambda v: v + 2), positive(1.0, 1.0), False),
    "remainder": (np.remainder, floats(0.05, 0.95).map(lambda v: v - 3), positive(1.0, 1.0),
                  False),
}


@pytest.mark.parametrize("name", sorted(BINARY))
@settings(max_examples=6)
@given(data=st.data())
def test_binary_forward_gradient_broadcast(name, data):
    ref, av, bv, second = BINARY[name]
    a, b = data.draw(pair(av, bv))
    np.testing.assert_allclose(getattr(ag, name)(a, b).data, ref(a.data, b.data),
                               rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(getattr(a, name)(b).data, ref(a.data, b.data), rtol=1e-12,
                               atol=1e-14)
    assert gradcheck(getattr(ag, name), (a, b))
    if second:
        assert gradgradcheck(getattr(ag, name), (a, b))


@given(a=tensors(shape=SMALL, elements=floats(-3, 3)), b=positive(0.7, 1.3))
def test_fmod_remainder_gradient_of_the_divisor(a, b):
    """d/db of fmod is -trunc(a/b), of remainder -floor(a/b) (a/b kept off integers)."""
    q = a.data / b
    assume(np.min(np.abs(q - np.round(q)), initial=1) > 0.05)
    b = ag.tensor(np.full(a.shape, b), requires_grad=True)
    assert gradcheck(ag.fmod, (a, b))
    assert gradcheck(ag.remainder, (a, b))


def test_fmod_and_remainder_signs():
    a, b = ag.tensor([5.0, -5.0, 5.0, -5.0]), ag.tensor([3.0, 3.0, -3.0, -3.0])
    assert ag.fmod(a, b).tolist() == [2.0, -2.0, 2.0, -2.0]
    assert ag.remainder(a, b).tolist() == [2.0, 1.0, -1.0, -2.0]
    assert (a % b).tolist() == [2.0, 1.0, -1.0, -2.0]
    assert (7 % ag.tensor([3])).tolist() == [1]
    assert ag.fmod(ag.tensor([-7, 7]), 3).tolist() == [-1, 1]


def test_xlogy_is_zero_where_x_is_zero():
    x = ag.tensor([0.0, 0.0, 1.0, 0.0], dtype=ag.float64, requires_grad=True)
    y = ag.tensor([0.0, -1.0, 2.0, np.nan], dtype=ag.float64, requires_grad=True)
    out = ag.xlogy(x, y)
    np.testing.assert_array_equal(out.data, [0.0, 0.0, math.log(2), np.nan])
    out[:3].sum().backward()
    np.testing.assert_array_equal(x.grad.data[:3], [0.0, 0.0, math.log(2)])  # 0 at y <= 0
    assert ag.xlogy(2, ag.tensor([1.0, np.e])).tolist() == [0.0, 2.0]


def test_logaddexp_is_stable():
    a = ag.tensor([1000.0, -1000.0, -np.inf])
    b = ag.tensor([1000.0, -1000.0, 0.0])
    np.testing.assert_allclose(ag.logaddexp(a, b).data, [1000 + math.log(2),
                                                         -1000 + math.log(2), 0.0])
    np.testing.assert_allclose(ag.logaddexp2(a, b).data, [1001.0, -999.0, 0.0])


@given(data=st.data())
def test_lerp_tensor_and_number_weight(data):
    a, b = data.draw(pair())
    w = data.draw(tensors(shape=st.sampled_from([(), (1,), a.shape]), elements=floats(0, 1)))
    np.testing.assert_allclose(ag.lerp(a, b, w).data, a.data + w.data * (b.data - a.data))
    assert gradcheck(ag.lerp, (a, b, w))
    assert gradgradcheck(lambda a, b, w: a.lerp(b, w), (a, b, w))
    assert gradcheck(lambda a, b: ag.lerp(a, b, 0.25), (a, b))
    np.testing.assert_allclose(a.lerp(b, 0.25).data, a.data + 0.25 * (b.data - a.data))


# ----------------------------------------------------------------------------------------
# Division with rounding, // and %


@given(a=arrays(shape=SMALL, dtype=np.int64, elements=st.integers(-50, 50)),
       b=st.integers(-7, 7).filter(bool))
def test_integer_floor_and_trunc_division_as_python(a, b):
    t = ag.tensor(a)
    assert (t // b).data.tolist() == (a // b).tolist()
    assert (t % b).data.tolist() == (a % b).tolist()
    trunc = [int(x / b) for x in a.ravel().tolist()]
    assert t.div(b, rounding_mode="trunc").data.ravel().tolist() == trunc
    assert ag.div(t, b, rounding_mode="floor").data.tolist() == (a // b).tolist()
    assert (t // b).dtype == np.int64


@given(pair(b_values=positive(0.3, 3.0)))
def test_float_rounding_division_has_zero_gradient(ab):
    a, b = ab
    for out, ref in ((a // b, np.floor_divide(a.data, b.data)),
                     (a.div(b, rounding_mode="trunc"), np.trunc(a.data / b.data)),
                     (ag.floor_divide(a, b), np.floor_divide(a.data, b.data))):
        np.testing.assert_array_equal(out.data, ref)
        a.grad = b.grad = None
        out.sum().backward()
        assert not a.grad.data.any() and not b.grad.data.any()


def test_reflected_and_in_place_division_operators():
    x = ag.tensor([7.0, -7.0])
    assert (20 // x).tolist() == [2.0, -3.0]
    assert (20 % x).tolist() == [6.0, -1.0]
    t = ag.tensor([5, 6])
    t %= 4
    assert t.tolist() == [1, 2]
    t //= 2
    assert t.tolist() == [0, 1]
    with pytest.raises(RuntimeError, match="remainder.*zero"):
        ag.tensor([1, 2]) % 0
    with pytest.raises(ValueError, match="div.*rounding_mode"):
        ag.tensor([1.0]).div(2, rounding_mode=3)


# ----------------------------------------------------------------------------------------
# Bitwise and logical


@given(data=st.data())
def test_bitwise_on_integers_and_bools(data):
    shape = data.draw(SMALL)
    a = data.draw(arrays(shape=shape, dtype=np.int64, elements=st.integers(-100, 100)))
    b = data.draw(arrays(shape=shape, dtype=bool, elements=st.booleans()))
    ta, tb = ag.tensor(a), ag.tensor(b)
    for op, fn in (("&", np.bitwise_and), ("|", np.bitwise_or), ("^", np.bitwise_xor)):
        got = eval(f"ta {op} 6")
        assert got.data.tolist() == fn(a, 6).tolist()
        assert eval(f"tb {op} tb").dtype == np.bool_
    assert (~ta).data.tolist() == (~a).tolist()
    assert (~tb).data.tolist() == np.logical_not(b).tolist()
    assert ag.logical_xor(ta, tb).data.tolist() == np.logical_xor(a, b).tolist()
    assert ag.logical_not(ta).data.tolist() == (a == 0).tolist()
    assert (True & tb).data.tolist() == b.tolist()


def test_bitwise_refuses_floats_and_in_place_forms():
    with pytest.raises(TypeError, match="bitwise_not"):
        ~ag.tensor([1.0])
    with pytest.raises(TypeError, match="bitwise_and"):
        ag.tensor([1.0]) & ag.tensor([1.0])
    m = ag.tensor([True, False, True])
    m &= ag.tensor([True, True, False])
    m |= ag.tensor([False, True, False])
    m ^= ag.tensor([True, False, False])
    assert m.tolist() == [False, True, False]
    assert ag.logical_and(ag.tensor([1.0, 0.0]), ag.tensor([2, 3])).tolist() == [True, False]


# ----------------------------------------------------------------------------------------
# Predicates, nan_to_num


def test_predicates_and_nan_to_num():
    x = ag.tensor([np.nan, np.inf, -np.inf, 1.0], requires_grad=True)
    assert ag.isnan(x).tolist() == [True, False, False, False]
    assert x.isinf().tolist() == [False, True, True, False]
    assert ag.isfinite(x).tolist() == [False, False, False, True]
    big = float(np.finfo(np.float32).max)
    assert ag.nan_to_num(x).tolist() == [0.0, big, -big, 1.0]
    y = x.nan_to_num(nan=1.0, posinf=2.0, neginf=-3.0)
    assert y.tolist() == [1.0, 2.0, -3.0, 1.0]
    y.sum().backward()
    assert x.grad.tolist() == [0.0, 0.0, 0.0, 1.0]
    assert ag.isnan(ag.tensor([1, 2])).dtype == np.bool_


@given(tensors(shape=SMALL))
def test_nan_to_num_gradient(x):
    assert gradcheck(ag.nan_to_num, (x,))


# ----------------------------------------------------------------------------------------
# Dtypes: integer and bool inputs


FLOAT_OF_INTS = "tan asin acos atan sinh cosh asinh atanh log1p exp2 expm1 erf erfc " \
                "reciprocal".split()


@pytest.mark.parametrize("name", FLOAT_OF_INTS)
def test_integer_and_bool_inputs_give_the_default_float(name):
    ref = SMOOTH[name][0]
    for data in (np.array([0, 1, 0]), np.array([False, True, False]),
                 np.array([0, 1, 0], np.int8)):
        out = getattr(ag, name)(data)
        assert out.dtype == np.float32
        np.testing.assert_allclose(out.data, ref(data.astype(np.float64)), rtol=1e-6)


def test_integer_results_stay_integer():
    i = ag.tensor([-3, 0, 4])
    for name in "floor ceil trunc round sign sgn square nan_to_num".split():
        out = getattr(i, name)()
        assert out.dtype == np.int64, name
    assert i.sign().tolist() == [-1, 0, 1]
    assert ag.square(ag.tensor([True, False])).dtype == np.int64
    assert ag.sign(ag.tensor([True, False])).dtype == np.bool_
    assert ag.atan2(ag.tensor([1]), ag.tensor([1])).dtype == np.float32
    assert ag.atan2(ag.tensor([True]), ag.tensor([True])).item() == pytest.approx(math.pi / 4)
    for name in ("floor", "frac", "round"):
        with pytest.raises(TypeError, match=name if name != "floor" else "bool"):
            getattr(ag, name)(ag.tensor([True]))
    with pytest.raises(TypeError, match="frac"):
        ag.frac(ag.tensor([1]))


# ----------------------------------------------------------------------------------------
# In-place forms


IN_PLACE_UNARY = sorted(SMOOTH) + sorted(STEPS) + ["frac", "nan_to_num"]


@pytest.mark.parametrize("name", IN_PLACE_UNARY)
@settings(max_examples=5)
@given(x=tensors(shape=SMALL, elements=floats(0.2, 0.8), requires_grad=False))
def test_in_place_unary_matches_the_op(name, x):
    want = getattr(x, name)().data
    y = x.clone()
    assert getattr(y, name + "_")() is y
    np.testing.assert_array_equal(y.data, want)


def test_in_place_binary_and_through_the_graph():
    a = ag.tensor([0.5, 1.5], dtype=ag.float64, requires_grad=True)
    h = a * 1.0
    h.atan2_(ag.tensor([1.0, 2.0]))
    h.sum().backward()
    np.testing.assert_allclose(a.grad.data, [1 / (1 + 0.25), 2 / (2.25 + 4)])
    t = ag.tensor([5.0, -5.0])
    t.fmod_(3)
    assert t.tolist() == [2.0, -2.0]
    t.lerp_(ag.tensor([4.0, 4.0]), 0.5)
    assert t.tolist() == [3.0, 1.0]
    with pytest.raises(TypeError):
        ag.tensor([1, 2]).tan_()  # a float result does not fit an int64 tensor
