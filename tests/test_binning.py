"""Fixed-bin counting (engine.model.compiled.binning) and the kernel's fused fan counting.

References: the bin of a value written out in numpy from its definition (floor((v - lo) *
bins / (hi - lo)) + 2, clamped, with the -inf/+inf/NaN columns), numpy's log10, and the counts of
the materialised series, which the fused counting must reproduce bit for bit.
"""

from __future__ import annotations

import numpy as np
import pytest
from numba import njit

from engine.model import kernel
from engine.model.compiled.binning import MAX_BINS, Binning, count_rows, scale
from engine.model.compiled.elementary import _log10
from engine.model.outcomes import Options
from engine.reducers import FanHistogram
from tests.test_kernel import T301, scenarios


def reference_counts(values: np.ndarray, lo: np.ndarray, hi: np.ndarray, bins: int,
                     log: bool) -> np.ndarray:
    """The count table from the definition, in numpy (float64 throughout)."""
    v = np.asarray(values, dtype=float)
    with np.errstate(all="ignore"):
        w = np.where(v > 0, np.log10(np.where(v > 0, v, 1.0)), -np.inf) if log else v.copy()
        w = np.where(np.isnan(v), np.nan, w)
        k = np.floor((w - lo) * (bins / (hi - lo))) + 2.0
    col = np.clip(np.nan_to_num(k, nan=0.0, posinf=bins + 2.0, neginf=1.0), 1, bins + 2)
    col = np.where(w == np.inf, bins + 3, col)
    col = np.where(w == -np.inf, 0, col)
    col = np.where(np.isnan(v), bins + 4, col).astype(np.int64)
    counts = np.zeros((v.shape[1], bins + 5), dtype=np.int64)
    for t in range(v.shape[1]):
        counts[t] = np.bincount(col[:, t], minlength=bins + 5)
    return counts


def counted(values: np.ndarray, lo: np.ndarray, hi: np.ndarray, bins: int, log: bool,
            block: int = 7) -> np.ndarray:
    counts = np.zeros((values.shape[1], bins + 5), dtype=np.int64)
    count_rows(np.ascontiguousarray(values, dtype=float), lo, scale(lo, hi, bins), bins, log,
               counts, np.empty((block, values.shape[1]), dtype=np.int16))
    return counts


def test_columns_follow_the_definition_at_edges_and_special_values():
    bins, T = 8, 3
    lo, hi = np.zeros(T), np.array([8.0, 16.0, 4.0])  # scale 1, 0.5, 2: edges exact in binary
    edges = [lo[:, None] + (hi - lo)[:, None] * j / bins for j in range(bins + 1)]
    special = [np.full((T, 1), x) for x in (np.nan, np.inf, -np.inf, -1e300, 1e300,
                                            -0.0, 5e-324)]
    rows = np.concatenate(edges + special + [lo[:, None] - 1e-12, hi[:, None] - 1e-12],
                          axis=1).T
    got = counted(rows, lo, hi, bins, log=False)
    assert np.array_equal(got, reference_counts(rows, lo, hi, bins, log=False))
    # every edge j < bins opens bin j; hi itself and beyond go to the "at or above hi" column
    # bin 0 holds the edge 0, -0.0 and 5e-324; bin 7 the edge 7 and hi - 1e-12
    assert got[0, 2:2 + bins].tolist() == [3, 1, 1, 1, 1, 1, 1, 2]
    assert got[0, [0, 1, bins + 2, bins + 3, bins + 4]].tolist() == [1, 2, 2, 1, 1]


@pytest.mark.parametrize("log", [False, True])
def test_random_counts_equal_the_definition(log):
    rng = np.random.default_rng(11)
    n, T, bins = 3001, 17, 256
    if log:
        v = 10.0 ** rng.normal(3.0, 4.0, (n, T))
        v[rng.random((n, T)) < 0.05] = 0.0
        v[rng.random((n, T)) < 0.02] = -3.0
        lo, hi = np.full(T, -2.0), np.full(T, 9.0)
    else:
        v = rng.normal(0.0, 1.0, (n, T)).cumsum(axis=1)
        lo, hi = np.percentile(v, 3, axis=0), np.percentile(v, 97, axis=0)
    v[rng.random((n, T)) < 0.03] = np.nan
    v[rng.random((n, T)) < 0.01] = np.inf
    v[rng.random((n, T)) < 0.01] = -np.inf
    ref = reference_counts(v, lo, hi, bins, log)
    for block in (1, 7, 4096):  # the block of the two passes changes nothing
        assert np.array_equal(counted(v, lo, hi, bins, log, block), ref)
    assert ref.sum() == n * T


@njit
def _logs(x, out):  # pragma: no cover
    for i in range(x.shape[0]):
        out[i] = _log10(x[i])


def test_branch_free_log10_within_a_few_ulp_of_numpy():
    rng = np.random.default_rng(5)
    x = np.concatenate([10.0 ** rng.uniform(-307, 308, 200_000), rng.uniform(0.5, 2.0, 100_000),
                        1.0 + rng.normal(0.0, 1e-9, 10_000),
                        np.array([5e-324, 1e-310, 2.2250738585072014e-308, 1.0, 10.0, 2.0,
                                  np.finfo(float).max, np.sqrt(2.0),
                                  np.nextafter(np.sqrt(2.0), 2)])])
    got = np.empty_like(x)
    _logs(x, got)
    ref = np.log10(x)
    ulp = np.abs(got - ref) / np.spacing(np.abs(ref))
    assert np.all(ulp[ref != 0] <= 4), ulp.max()
    assert np.all(np.abs(got - ref)[ref == 0] == 0)  # log10(1) = 0 exactly
    assert got[-6] == 0.0 and got[-5] == 1.0


def fan_pilot(p, t, series, log, bins):
    red = FanHistogram(series, log=log, bins=bins)
    red.prepare(kernel.evaluate(p, t, Options(), series=series))
    return red


def test_fused_counting_equals_counting_the_materialised_series():
    """Every series, a log-scale one, and scenarios outside the domain (NaN rows)."""
    p = scenarios(600, 3, invalid=0.1)
    series = ["loss_gap", "benchmark_gap", "inference_gap", "tokens_to_distinguish",
              "years_behind"]
    red = fan_pilot(scenarios(400, 4), T301, series, ["tokens_to_distinguish"], 512)
    data = kernel.evaluate(p, T301, Options(), series=series)
    assert np.isnan(data["loss_gap"]).any()  # the NaN column is exercised
    ref = red.accumulate(None, data, 0)
    binning = red.binning()
    fused = kernel.evaluate(p, T301, Options(), bins=binning)
    assert not set(series) & set(fused)  # series only binned are not returned
    got = red.from_binning(binning)
    for name in series:
        assert np.array_equal(got[name], ref[name]), name
    for name, values in fused.items():  # the outcomes are the same with or without counting
        np.testing.assert_array_equal(values, data[name])
    # a series both kept and binned: returned, and counted once
    b2 = red.binning()
    kept = kernel.evaluate(p, T301, Options(), series=["loss_gap"], bins=b2)
    np.testing.assert_array_equal(kept["loss_gap"], data["loss_gap"])
    assert np.array_equal(red.from_binning(b2)["loss_gap"], ref["loss_gap"])


def test_kernel_refuses_a_count_table_of_the_wrong_shape():
    p = scenarios(4, 1)
    bad = Binning(("loss_gap",), np.zeros((1, 301)), np.ones((1, 301)), np.zeros(1, bool),
                  np.zeros((1, 300, 69), dtype=np.int64))
    with pytest.raises(ValueError, match="bins.counts"):
        kernel.evaluate(p, T301, Options(), bins=bad)
    with pytest.raises(ValueError, match="bins="):
        FanHistogram(["loss_gap"], bins=MAX_BINS + 1)
