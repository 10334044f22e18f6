"""Designs: any chunk generates the same rows; Saltelli equals SALib's (with groups too)."""

from __future__ import annotations

import numpy as np
import pytest
from SALib.sample import sobol as salib_sample

from engine.designs import make_design
from engine.designs.given import Given


@pytest.mark.parametrize("kind", ["mc", "lhs", "sobol", "saltelli"])
def test_rows_do_not_depend_on_the_chunking(kind):
    design = make_design(kind, 256, 4, seed=5, groups=["a", "a", "b", "c"])
    whole = design.unit_rows(0, design.rows)
    for size in (1, 7, 100, design.rows):
        parts = np.concatenate([design.unit_rows(a, min(a + size, design.rows))
                                for a in range(0, design.rows, size)])
        np.testing.assert_array_equal(parts, whole)
    assert ((whole >= 0) & (whole < 1)).all()


@pytest.mark.parametrize("groups", [None, ["x", "x", "y", "z", "z", "w"]])
@pytest.mark.parametrize("second_order", [True, False])
def test_saltelli_design_equals_salibs_row_for_row(groups, second_order):
    problem = {"num_vars": 6, "names": [f"p{i}" for i in range(6)], "bounds": [[0, 1]] * 6}
    if groups:
        problem["groups"] = groups
    ref = salib_sample.sample(problem, 64, calc_second_order=second_order, seed=11)
    design = make_design("saltelli", 64, 6, seed=11, groups=groups, second_order=second_order)
    np.testing.assert_array_equal(design.unit_rows(0, design.rows), ref)


def test_latin_hypercube_fills_every_stratum_once():
    n = 500
    design = make_design("lhs", n, 3, seed=2)
    x = design.unit_rows(0, n)
    for j in range(3):
        assert sorted(np.floor(x[:, j] * n).astype(int).tolist()) == list(range(n))


def test_seeds_zero_is_a_seed_and_none_is_recorded():
    a = make_design("mc", 10, 2, seed=0).unit_rows(0, 10)
    b = make_design("mc", 10, 2, seed=0).unit_rows(0, 10)
    c = make_design("mc", 10, 2, seed=1).unit_rows(0, 10)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)
    for kind in ("mc", "lhs", "sobol", "saltelli"):
        d = make_design(kind, 8, 2, seed=None)
        again = make_design(kind, 8, 2, seed=d.seed)  # the drawn seed reproduces the design
        np.testing.assert_array_equal(d.unit_rows(0, d.rows), again.unit_rows(0, again.rows))


def test_power_of_two_warning_and_given_design():
    with pytest.warns(UserWarning, match="not a power of two"):
        design = make_design("saltelli", 100, 3, seed=1)
    assert design.n == 128 and design.rows == 128 * 8
    g = Given(np.full((5, 2), 0.5))
    assert g.rows == 5 and g.unit_rows(1, 3).shape == (2, 2)
    with pytest.raises(ValueError, match="sampler.kind='halton'"):
        make_design("halton", 8, 2, seed=1)
    with pytest.raises(ValueError, match="sampler.n=0"):
        make_design("mc", 0, 2, seed=1)
