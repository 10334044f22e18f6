#!/usr/bin/env python3
"""Refit the Chinchilla parametric loss to the Besiroglu et al. (2024) data and bootstrap it.

Reproduces ``besiroglu2024_bootstrap.csv`` (see ``SCALING_FITS.md`` next to this file).

Model (Hoffmann et al. 2022, Approach 3; Besiroglu, Erdil, Barnett, You 2024, arXiv:2404.10102):

    L(N, D) = E + A' / N**a + B' / D**b

fitted in the log-parametrisation  log L_pred = logsumexp(ln A' - a ln N, ln B' - b ln D, ln E)
by minimising the SUM over data points of Huber_delta(log L_pred - log L_obs), delta = 1e-3,
with L-BFGS(-B) started from a grid of initial values; the best end point is kept.
Data: the 245 (N, training FLOP, loss) points Besiroglu et al. read off Hoffmann et al.'s
Figure 4; tokens D = FLOP / (6 N); the five runs with the highest loss are dropped (240 left),
as in Besiroglu et al.

Uncertainty: nonparametric bootstrap over the 240 rows (resample with replacement, refit).
Each replicate is refit by L-BFGS from ten starts (the full-sample optimum, Hoffmann et al.'s
unrounded TeX estimates, two grid points, and six points moved along the fit's flat valley; see
bootstrap_starts) and the best end point is kept. Index draws use numpy's legacy
RandomState(seed).choice, so with the default seed 42 the resamples are those of Besiroglu et
al.'s notebook. Every replicate is converted to the compute-optimal form
L(C) = L0 + A * C**(-alpha) with C = 6 N D:

    alpha = a b / (a + b),   L0 = E,
    G     = (a A' / (b B'))**(1 / (a + b))          (N* = G (C/6)**(b/(a+b)), D* = (C/6)/N*)
    A     = 6**alpha * (A' G**(-a) + B' G**b)
          = 6**alpha * (a + b) * (A'/b)**(b/(a+b)) * (B'/a)**(a/(a+b))

Usage:
    python derive_scaling_fits.py PATH/TO/extracted.csv [--out besiroglu2024_bootstrap.csv]
        [--n-boot 4000] [--seed 42] [--workers 2]

The input CSV needs columns "Model Size", "Training FLOP", "loss" (the file
data/svg_extracted_data.csv of Epoch AI's analyzing-chinchilla repository, linked from the
paper as https://epochai.org/code/analyzing-chinchilla-repo; a byte-identical
copy is data/hoffmann2022_extracted_besiroglu2024.csv here). Only numpy, scipy and pandas are
used. Runtime: about 4 minutes on 2 cores for 4000 replicates (see SCALING_FITS.md).
"""
from __future__ import annotations

import os

# One BLAS thread per process: scipy's L-BFGS-B calls BLAS on tiny vectors, and multithreaded
# BLAS in each of several worker processes only oversubscribes the cores (several-fold slowdown).
for _v in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_v, "1")

import argparse  # noqa: E402
import itertools  # noqa: E402
import json  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from concurrent.futures import ProcessPoolExecutor  # noqa: E402

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from scipy.optimize import minimize  # noqa: E402

DELTA = 1e-3          # Huber threshold on log-loss residuals (Hoffmann et al.; Besiroglu et al.)
N_EXCLUDED = 5        # highest-loss runs dropped before fitting (Besiroglu et al.)

# Hoffmann et al. 2022 grid of initialisations (their Appendix D.2):
# a, b (exponents) in {0, 0.5, ..., 2}, e = ln E in {-1, -0.5, ..., 1}, ln A', ln B' in {0, 5, ..., 25}
GRID = np.array(list(itertools.product(
    np.arange(0.0, 30.0, 5.0),          # ln A'
    np.arange(0.0, 30.0, 5.0),          # ln B'
    np.arange(-1.0, 1.5, 0.5),          # ln E
    np.arange(0.0, 2.5, 0.5),           # a
    np.arange(0.0, 2.5, 0.5),           # b
)))

# Hoffmann et al.'s unrounded estimates (from their TeX source, as quoted by Besiroglu et al.),
# theta = [ln A', ln B', ln E, a, b]; used as one of the bootstrap starts
HOFFMANN_TEX = np.array([6.0073404, 6.0179186, 0.5267228, 0.33917084, 0.2849083])

LBFGS_OPTIONS = dict(maxiter=20000, maxfun=40000, ftol=1e-15, gtol=1e-12, maxcor=20)


# --------------------------------------------------------------------------------------------
# data
# --------------------------------------------------------------------------------------------
def load_data(path: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """Return (ln N, ln D, ln L) of the kept runs and the number of rows read."""
    df = pd.read_csv(path)
    df = df[["Model Size", "Training FLOP", "loss"]].dropna()
    n_read = len(df)
    n = df["Model Size"].to_numpy(float)
    d = df["Training FLOP"].to_numpy(float) / (6.0 * n)
    loss = df["loss"].to_numpy(float)
    # drop the N_EXCLUDED highest losses: keep loss strictly below the N_EXCLUDED-th largest
    threshold = np.sort(loss)[-N_EXCLUDED]
    keep = loss < threshold
    return np.log(n[keep]), np.log(d[keep]), np.log(loss[keep]), n_read


# --------------------------------------------------------------------------------------------
# objective: sum of Huber losses of log residuals, with analytic gradient
# --------------------------------------------------------------------------------------------
def objective(theta: np.ndarray, ln_n: np.ndarray, ln_d: np.ndarray, ln_l: np.ndarray,
              delta: float = DELTA):
    la, lb, le, a, b = theta
    u = np.stack([la - a * ln_n, lb - b * ln_d, np.full_like(ln_n, le)])   # (3, n)
    m = u.max(axis=0)
    w = np.exp(u - m)
    s = w.sum(axis=0)
    pred = m + np.log(s)
    w /= s                                                                   # softmax weights
    r = pred - ln_l
    absr = np.abs(r)
    small = absr <= delta
    f = np.where(small, 0.5 * r * r, delta * (absr - 0.5 * delta)).sum()
    psi = np.clip(r, -delta, delta)                                          # Huber'(r)
    g = np.array([
        (psi * w[0]).sum(),
        (psi * w[1]).sum(),
        (psi * w[2]).sum(),
        -(psi * w[0] * ln_n).sum(),
        -(psi * w[1] * ln_d).sum(),
    ])
    return f, g


def fit_from(starts: np.ndarray, ln_n, ln_d, ln_l, delta: float = DELTA,
             return_all: bool = False):
    """L-BFGS from every start; return (best theta, best objective, index of the best start)
    and, if return_all, also the end-point objectives of all starts."""
    best_x, best_f, best_i = None, np.inf, -1
    fs = np.full(len(starts), np.inf)
    for i, x0 in enumerate(starts):
        res = minimize(objective, x0, args=(ln_n, ln_d, ln_l, delta), jac=True, method="L-BFGS-B",
                       options=LBFGS_OPTIONS)
        if np.all(np.isfinite(res.x)) and np.isfinite(res.fun):
            fs[i] = res.fun
            if res.fun < best_f:
                best_x, best_f, best_i = res.x, float(res.fun), i
    return (best_x, best_f, best_i, fs) if return_all else (best_x, best_f, best_i)


# --------------------------------------------------------------------------------------------
# compute-optimal form
# --------------------------------------------------------------------------------------------
def compute_optimal(E, Ap, Bp, a, b):
    """(A, alpha, L0) of L(C) = L0 + A C^-alpha for C = 6 N D (vectorised)."""
    E, Ap, Bp, a, b = map(np.asarray, (E, Ap, Bp, a, b))
    alpha = a * b / (a + b)
    G = (a * Ap / (b * Bp)) ** (1.0 / (a + b))
    A = 6.0 ** alpha * (Ap * G ** (-a) + Bp * G ** b)
    return A, alpha, E


def _self_check():
    A, alpha, _ = compute_optimal(1.69, 406.4, 410.7, 0.34, 0.28)
    assert abs(A - 1071) < 2 and abs(alpha - 0.1535) < 1e-3, (A, alpha)
    A, alpha, _ = compute_optimal(1.82, 482.01, 2085.43, 0.3478, 0.3658)
    assert abs(A - 2708) < 3 and abs(alpha - 0.1783) < 1e-3, (A, alpha)
    # closed form equals a brute-force minimisation over N at fixed C
    E, Ap, Bp, a, b = 1.82, 482.01, 2085.43, 0.3478, 0.3658
    A, alpha, _ = compute_optimal(E, Ap, Bp, a, b)
    for C in (1e20, 1e24):
        ln_n = np.linspace(np.log(1e6), np.log(1e14), 400001)
        loss = E + Ap * np.exp(-a * ln_n) + Bp * np.exp(-b * (np.log(C / 6.0) - ln_n))
        assert abs(loss.min() - (E + A * C ** (-alpha))) < 1e-9


def bootstrap_starts(theta_hat: np.ndarray, ln_n: np.ndarray, ln_d: np.ndarray) -> np.ndarray:
    """Starts for each bootstrap refit.

    The fit has a long, nearly flat valley along which an exponent and the log of its
    coefficient move together (b up, ln B' up, E up); a few resamples have two local minima
    along it. Besides the full-sample optimum, Hoffmann et al.'s estimates and two grid points,
    we therefore start from the optimum moved along that valley: a or b shifted, with ln A' or
    ln B' shifted so the term is unchanged at the median N or D of the data.
    """
    mn, md = np.median(ln_n), np.median(ln_d)
    out = [theta_hat, HOFFMANN_TEX, [5.0, 5.0, 0.5, 0.5, 0.5], [0.0, 25.0, -0.5, 0.0, 0.0]]
    for da, db in [(0.0, 0.1), (0.0, 0.2), (0.0, -0.1), (0.1, 0.0), (-0.1, 0.0), (0.1, 0.1)]:
        t = np.array(theta_hat, float)
        t[0] += da * mn
        t[3] += da
        t[1] += db * md
        t[4] += db
        out.append(t)
    return np.array(out, float)


def to_natural(theta: np.ndarray) -> np.ndarray:
    """[ln A', ln B', ln E, a, b] -> [E, A', B', a, b]."""
    theta = np.atleast_2d(theta)
    return np.column_stack([np.exp(theta[:, 2]), np.exp(theta[:, 0]), np.exp(theta[:, 1]),
                            theta[:, 3], theta[:, 4]])


# --------------------------------------------------------------------------------------------
# bootstrap (worker side)
# --------------------------------------------------------------------------------------------
_W = {}


def _init_worker(ln_n, ln_d, ln_l, starts):
    _W.update(ln_n=ln_n, ln_d=ln_d, ln_l=ln_l, starts=starts)


def _fit_replicates(index_rows: np.ndarray) -> np.ndarray:
    out = np.empty((len(index_rows), 8))
    for k, idx in enumerate(index_rows):
        x, f, i, fs = fit_from(_W["starts"], _W["ln_n"][idx], _W["ln_d"][idx], _W["ln_l"][idx],
                               return_all=True)
        out[k, :5] = x
        out[k, 5] = f
        out[k, 6] = i
        out[k, 7] = np.max(fs[np.isfinite(fs)]) / f - 1.0   # > 0: starts ended at different optima
    return out


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("data", help="extracted Figure 4 data (CSV with 'Model Size', 'Training FLOP', 'loss')")
    p.add_argument("--out", default=os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                 "besiroglu2024_bootstrap.csv"))
    p.add_argument("--n-boot", type=int, default=4000)
    p.add_argument("--seed", type=int, default=42,
                   help="seed of numpy.random.RandomState drawing the bootstrap indices (default 42)")
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--point-json", default=None,
                   help="optional path for a JSON file with the full-sample point estimate")
    args = p.parse_args(argv)

    _self_check()
    t0 = time.time()
    ln_n, ln_d, ln_l, n_read = load_data(args.data)
    n_fit = len(ln_n)
    print(f"read {n_read} rows, fitting {n_fit} (dropped the {n_read - n_fit} highest losses)")

    # ---- point estimate: full grid (4500 starts) --------------------------------------------
    theta_hat, f_hat, i_hat = fit_from(GRID, ln_n, ln_d, ln_l)
    E, Ap, Bp, a, b = to_natural(theta_hat)[0]
    A, alpha, L0 = compute_optimal(E, Ap, Bp, a, b)
    point = dict(E=E, A_prime=Ap, B_prime=Bp, a=a, b=b, A=float(A), alpha=float(alpha), L0=float(L0),
                 huber_objective=f_hat, best_grid_start=GRID[i_hat].tolist(), n_points=n_fit)
    print("point estimate (grid L-BFGS): " + ", ".join(f"{k}={v:.6g}" for k, v in point.items()
                                                      if isinstance(v, float)))
    print(f"  grid fit took {time.time() - t0:.1f} s")
    if args.point_json:
        with open(args.point_json, "w") as fh:
            json.dump(point, fh, indent=2)

    # ---- bootstrap ---------------------------------------------------------------------------
    # Index draws: numpy's legacy RandomState(seed).choice(n, n, replace=True), one call per
    # replicate; with seed 42 these are the very index draws of Besiroglu et al.'s notebook.
    rs = np.random.RandomState(args.seed)
    boot_idx = np.array([rs.choice(n_fit, size=n_fit, replace=True) for _ in range(args.n_boot)])
    starts = bootstrap_starts(theta_hat, ln_n, ln_d)
    t1 = time.time()
    chunks = np.array_split(boot_idx, max(1, 8 * args.workers))
    if args.workers > 1:
        with ProcessPoolExecutor(args.workers, initializer=_init_worker,
                                 initargs=(ln_n, ln_d, ln_l, starts)) as ex:
            res = np.vstack(list(ex.map(_fit_replicates, chunks)))
    else:
        _init_worker(ln_n, ln_d, ln_l, starts)
        res = np.vstack([_fit_replicates(c) for c in chunks])
    print(f"bootstrap: {args.n_boot} replicates x {len(starts)} starts in {time.time() - t1:.1f} s; "
          f"best start counts {np.bincount(res[:, 6].astype(int), minlength=len(starts)).tolist()}; "
          f"replicates whose starts ended at optima > 1e-6 apart in objective: {int((res[:, 7] > 1e-6).sum())}")

    nat = to_natural(res[:, :5])
    A_b, alpha_b, L0_b = compute_optimal(*nat.T)
    out = pd.DataFrame({
        "replicate": np.arange(1, args.n_boot + 1),
        "E": nat[:, 0], "A_prime": nat[:, 1], "B_prime": nat[:, 2], "a": nat[:, 3], "b": nat[:, 4],
        "A": A_b, "alpha": alpha_b, "L0": L0_b,
    })
    out.to_csv(args.out, index=False, float_format="%.17g")
    print(f"wrote {args.out}")

    # ---- summary -----------------------------------------------------------------------------
    cols = ["E", "A_prime", "B_prime", "a", "b", "A", "alpha", "L0"]
    print("\nbootstrap SD (ddof=1):")
    print(out[cols].std(ddof=1).to_string())
    print("\ncorrelation of (A, alpha, L0):")
    print(out[["A", "alpha", "L0"]].corr().to_string())
    qs = [0.05, 0.5, 0.95]
    summ = {c: out[c].quantile(qs).to_numpy() for c in ["alpha", "A", "L0"]}
    for C in (1e20, 1e22, 1e26):
        summ[f"L({C:.0e})"] = np.quantile(L0_b + A_b * C ** (-alpha_b), qs)
    print("\nquantiles 5/50/95 %:")
    for k, v in summ.items():
        print(f"  {k:10s} " + "  ".join(f"{x:.6g}" for x in v))
    print(f"\ntotal {time.time() - t0:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
