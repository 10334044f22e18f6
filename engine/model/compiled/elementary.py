"""Elementary functions of the compiled kernel: branch-free exp and expm1 (within 1 and 2 ulp, so
that numba vectorises the loops calling them), integer powers and the benchmark score.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, types
from numba.core.extending import intrinsic

from engine.model.compiled.constants import (
    _FLOOR,
    _HALF_SLOPE,
    _HALF_SPAN,
    _INLINE,
    _JIT,
    _MID,
    _SIG_A,
    _SIG_ALPHA,
    _SIG_L0,
)

# --------------------------------------------------------------------------- elementary functions
# numba vectorises a loop only when everything it calls is inlined at numba-IR level
# (inline="always"); that is slow to compile, so the vector work goes through three array
# functions (_exp_array, _expm1_array, _scores) and scalar code calls out-of-line wrappers.



@intrinsic
def _bits_to_float(typingctx: object, x: types.Type) -> tuple | None:
    """Reinterpret an int64 as the float64 with the same bits."""
    if x != types.int64:
        return None

    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], context.get_value_type(types.float64))

    return types.float64(types.int64), codegen


@intrinsic
def _float_to_bits(typingctx: object, x: types.Type) -> tuple | None:
    """Reinterpret a float64 as the int64 with the same bits."""
    if x != types.float64:
        return None

    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], context.get_value_type(types.int64))

    return types.int64(types.float64), codegen


_INV_LN2 = 1.4426950408889634
_LN2_HI = 6.93147180369123816490e-01   # 32 significant bits: k * _LN2_HI is exact
_LN2_LO = 1.90821492927058770002e-10
_ROUND = 6755399441055744.0            # 1.5 * 2**52: (x + _ROUND) - _ROUND rounds to an integer
_EXP_OVERFLOW = 709.782712893384       # exp(x) = inf above
(_C2, _C3, _C4, _C5, _C6, _C7, _C8, _C9, _C10, _C11, _C12, _C13, _C14) = (
    1.0 / math.factorial(k) for k in range(2, 15))


@njit(**_INLINE)
def _max(a: float, b: float) -> float:
    """np.maximum: NaN propagates, ties return a."""
    return a if (a >= b or a != a) else b


@njit(**_INLINE)
def _min(a: float, b: float) -> float:
    """np.minimum: NaN propagates, ties return a."""
    return a if (a <= b or a != a) else b


@intrinsic
def _fma(typingctx: object, x: types.Type, y: types.Type, z: types.Type) -> tuple | None:
    """x * y + z with one rounding (IEEE fused multiply-add; exact and portable)."""
    if not (x == types.float64 and y == types.float64 and z == types.float64):
        return None

    def codegen(context, builder, signature, args):
        return builder.fma(*args)

    return types.float64(types.float64, types.float64, types.float64), codegen


_LOG10_2_HI = 0.3010299956639812      # log10(2) rounded to double, and the rest (50 digits)
_LOG10_2_LO = -2.8037281277851704e-18
_INV_LN10 = 0.4342944819032518
_SQRT2 = 1.4142135623730951
(_D3, _D5, _D7, _D9, _D11, _D13, _D15, _D17, _D19, _D21) = (1.0 / k for k in range(3, 22, 2))


@njit(**_INLINE)
def _log10(x: float) -> float:
    """log10(x) for finite x > 0 within a few ulp, branch-free (other x: a finite number with
    no meaning; callers select around it). x = 2**e m with m in [sqrt(1/2), sqrt(2)), and
    ln m = 2 atanh(s), s = (m - 1) / (m + 1), |s| <= 0.172: the atanh series to s**21 leaves
    a truncation below 3e-17 relative."""
    sub = x < 2.2250738585072014e-308   # subnormal: scale into the normal range first
    y = x * 18014398509481984.0 if sub else x
    bits = _float_to_bits(y)
    e = ((bits >> 52) & 0x7FF) - 1023 - (54 if sub else 0)
    m = _bits_to_float((bits & 0x000FFFFFFFFFFFFF) | 0x3FF0000000000000)
    big = m > _SQRT2
    m = m * 0.5 if big else m
    e = e + 1 if big else e
    f = m - 1.0                           # exact (Sterbenz)
    s = f / (2.0 + f)
    z = s * s
    p = _fma(z, _D21, _D19)
    p = _fma(z, p, _D17)
    p = _fma(z, p, _D15)
    p = _fma(z, p, _D13)
    p = _fma(z, p, _D11)
    p = _fma(z, p, _D9)
    p = _fma(z, p, _D7)
    p = _fma(z, p, _D5)
    p = _fma(z, p, _D3)
    ln_m = 2.0 * _fma(s * z, p, s)
    ef = float(e)
    return _fma(ef, _LOG10_2_HI, _fma(ef, _LOG10_2_LO, ln_m * _INV_LN10))


@njit(**_INLINE)
def _expm1_reduced(r: float) -> float:
    """expm1(r) for |r| <= ln(2)/2 (Taylor to r**14: truncation below 1e-17 relative)."""
    p = _fma(r, _C14, _C13)
    p = _fma(r, p, _C12)
    p = _fma(r, p, _C11)
    p = _fma(r, p, _C10)
    p = _fma(r, p, _C9)
    p = _fma(r, p, _C8)
    p = _fma(r, p, _C7)
    p = _fma(r, p, _C6)
    p = _fma(r, p, _C5)
    p = _fma(r, p, _C4)
    p = _fma(r, p, _C3)
    p = _fma(r, p, _C2)
    return _fma(r * r, p, r)


@njit(**_INLINE)
def _reduce(x: float, lo: float) -> tuple[float, float, float]:
    """x = k ln 2 + r, |r| <= ln(2)/2, x clamped to [lo, 709.8]: (2**(k//2), 2**(k - k//2), r)."""
    xc = _min(_max(x, lo), 709.8)
    xc = 0.0 if xc != xc else xc
    kf = (xc * _INV_LN2 + _ROUND) - _ROUND
    r = (xc - kf * _LN2_HI) - kf * _LN2_LO
    k = np.int64(kf)
    k1 = k >> 1
    return _bits_to_float((k1 + 1023) << 52), _bits_to_float((k - k1 + 1023) << 52), r


@njit(**_INLINE)
def _exp(x: float) -> float:
    """exp(x) within 1 ulp, branch-free; IEEE results for NaN, +-inf, overflow and underflow."""
    s1, s2, r = _reduce(x, -746.0)
    y = (s1 + s1 * _expm1_reduced(r)) * s2
    y = np.inf if x > _EXP_OVERFLOW else y
    return x if x != x else y


@njit(**_INLINE)
def _expm1(x: float) -> float:
    """expm1(x) within 2 ulp, branch-free: 2**k expm1(r) + (2**k - 1) (no cancellation);
    e^x itself above 700 (where 2**k alone may overflow)."""
    s1, s2, r = _reduce(x, -40.0)
    p = _expm1_reduced(r)
    s = s1 * s2
    y = s * p + (s - 1.0) if x <= 700.0 else (s1 + s1 * p) * s2
    y = np.inf if x > _EXP_OVERFLOW else y
    return x if (x != x or x == 0.0) else y


@njit(**_JIT)
def _exp_s(x: float) -> float:
    """Out-of-line :func:`_exp` for scalar code."""
    return _exp(x)


@njit(**_JIT)
def _expm1_s(x: float) -> float:
    """Out-of-line :func:`_expm1` for scalar code."""
    return _expm1(x)


@njit(**_JIT)
def _exp_array(x: np.ndarray, n: int) -> None:
    """x[:n] = exp(x[:n]) in place (vectorised)."""
    for k in range(n):
        x[k] = _exp(x[k])


@njit(**_JIT)
def _expm1_array(x: np.ndarray, n: int) -> None:
    """x[:n] = expm1(x[:n]) in place (vectorised)."""
    for k in range(n):
        x[k] = _expm1(x[k])


@njit(**_JIT)
def _ipow(x: float, n: int) -> float:
    """x ** n for an integer n >= 1 by squaring (within 2 log2(n) ulp of pow)."""
    y = 1.0
    while True:
        if n & 1:
            y = y * x
        n >>= 1
        if n == 0:
            return y
        x = x * x


@njit(**_INLINE)
def _score1(c: float) -> float:
    """benchmark_score(loss_ref(c)) (capability.score_of_compute, one step).

    The sigmoid is written 1 - tanh(z) = 2 / (1 + e^{2z}): one exp instead of tanh, exact to
    rounding for every z (no cancellation; e^{2z} = inf gives 0).
    """
    loss = _SIG_A * _exp(-_SIG_ALPHA * c) + _SIG_L0
    half_z = _HALF_SLOPE * (loss - _MID)
    return _HALF_SPAN * (2.0 / (1.0 + _exp(2.0 * half_z))) + _FLOOR


@njit(**_JIT)
def _scores(c: np.ndarray, s: np.ndarray, n: int, steps: float, isteps: int,
            stamp: np.void) -> None:
    """s[:n] = benchmark_score(loss_ref(c[:n])) ** steps (vectorised; ``stamp``: see
    :mod:`.bundles`).

    c and s need room for n rounded up to a multiple of 8: the vector loop then has no scalar
    remainder (c is padded with zeros, s gets their scores).
    """
    n8 = (n + 7) & -8
    for k in range(n, n8):
        c[k] = 0.0
    for k in range(n8):
        s[k] = _score1(c[k])
    if isteps > 1:
        for k in range(n):
            s[k] = _ipow(s[k], isteps)
    elif isteps != 1:
        for k in range(n):
            s[k] = math.pow(s[k], steps)
