"""Sequential Monte Carlo by likelihood tempering, in the unit hypercube.

Every prior here is an inverse CDF, so the prior is the uniform distribution on the design's unit
hypercube and the posterior is proportional to the likelihood there. Particles start as a design
drawn from the priors (the engine's first evaluation), and the likelihood is raised from
L^0 to L^1 in stages: each stage picks the next exponent so that the effective sample size of
the reweighted particles stays at a fraction of their number (so the weights never collapse),
resamples them (systematic resampling), and moves them with random-walk Metropolis steps that
leave the tempered posterior invariant (Gaussian proposals with the particles' covariance,
reflected at the cube's faces, so they are symmetric; the step scale adapts to the acceptance
rate, and moves repeat until nine particles in ten have moved). The last stage stops at exponent 1
without resampling: the result is weighted particles with an ESS of at least that fraction.

All random numbers come from the seed, drawn on the client in a fixed order; the likelihood of a
particle depends on that particle only, so the posterior is the same whatever the chunking of the
evaluations.

References
----------
P. Del Moral, A. Doucet, A. Jasra (2006), Sequential Monte Carlo samplers,
doi:10.1111/j.1467-9868.2006.00553.x. N. Chopin, O. Papaspiliopoulos (2020), An Introduction to
Sequential Monte Carlo, Springer (adaptive tempering, chapter 17).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from engine.calibration.observation import CalibrationError

log = logging.getLogger("meek")
ONE_MINUS = np.nextafter(1.0, 0.0)


def ess(logw: np.ndarray) -> float:
    """Effective sample size (sum w)^2 / sum w^2 of log weights.

    Example
    -------
    >>> ess(np.zeros(10))
    10.0
    """
    finite = np.isfinite(logw)
    if not finite.any():
        return 0.0
    w = np.exp(logw - np.max(logw[finite]))
    return float(w.sum() ** 2 / np.sum(w * w))


def normalised(logw: np.ndarray) -> np.ndarray:
    finite = np.isfinite(logw)
    w = np.where(finite, np.exp(logw - np.max(logw[finite])), 0.0)
    return w / w.sum()


def systematic(rng: np.random.Generator, weights: np.ndarray, n: int) -> np.ndarray:
    """n indices drawn by systematic resampling (low variance, one uniform)."""
    positions = (rng.random() + np.arange(n)) / n
    cum = np.cumsum(weights)
    cum[-1] = 1.0
    return np.searchsorted(cum, positions, side="right").clip(0, len(weights) - 1)


def reflect(x: np.ndarray) -> np.ndarray:
    """Fold the real line onto [0, 1) by reflection at the faces (a symmetric proposal)."""
    y = np.abs(np.mod(x, 2.0))
    y = np.where(y > 1.0, 2.0 - y, y)
    return np.minimum(y, ONE_MINUS)


@dataclass
class Posterior:
    """Weighted particles in the unit hypercube and the path that led there."""

    unit: np.ndarray          # (n, d)
    weights: np.ndarray       # (n,), summing to 1
    loglik: np.ndarray        # (n,)
    stages: list[dict[str, float]] = field(default_factory=list)

    @property
    def ess(self) -> float:
        with np.errstate(divide="ignore"):
            return ess(np.log(np.where(self.weights > 0, self.weights, 0.0)))

    @property
    def distinct(self) -> int:
        """Particles that differ from every other (moves make resampled copies distinct)."""
        return int(len(np.unique(self.unit, axis=0)))


def _next_beta(loglik: np.ndarray, beta: float, target: float) -> float:
    """The largest exponent in (beta, 1] keeping the ESS of the increment at ``target``."""
    if ess((1.0 - beta) * loglik) >= target:
        return 1.0
    lo, hi = beta, 1.0
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        if ess((mid - beta) * loglik) >= target:
            lo = mid
        else:
            hi = mid
    return max(lo, beta + 1e-12)


def temper(loglik_fn: Callable[[np.ndarray], np.ndarray], unit: np.ndarray, *, seed: int,
           ess_fraction: float = 0.5, mcmc_steps: int = 5, max_stages: int = 60) -> Posterior:
    """Adaptive tempered SMC from prior draws ``unit`` (n, d) to the posterior (see above)."""
    n, d = unit.shape
    rng = np.random.default_rng([seed, 0x5C])
    u = np.array(unit, dtype=float)
    ll = loglik_fn(u)
    if not np.isfinite(ll).any():
        raise CalibrationError("priors: no prior draw can produce the observed data (every "
                               "likelihood is zero); widen the priors or check the data window")
    beta, scale = 0.0, 2.38 / np.sqrt(d)
    stages: list[dict[str, float]] = []
    target = ess_fraction * n
    for stage in range(max_stages):
        new = _next_beta(np.where(np.isfinite(ll), ll, -np.inf), beta, target)
        logw = (new - beta) * ll
        beta = new
        weights = normalised(logw)
        info = {"beta": beta, "ess": ess(logw), "acceptance": np.nan, "scale": np.nan,
                "moves": 0, "moved": np.nan}
        if beta >= 1.0:
            stages.append(info)
            log.info("calibrate: stage %d reached the posterior, ESS %.0f of %d particles",
                     stage + 1, info["ess"], n)
            return Posterior(u, weights, ll, stages)
        idx = systematic(rng, weights, n)
        u, ll = u[idx], ll[idx]
        # random-walk Metropolis with the particles' covariance (their correlations too), scaled
        # towards the usual acceptance; moves repeat until most particles have moved
        cov = np.cov(u, rowvar=False).reshape(d, d) + 1e-10 * np.eye(d)
        chol = np.linalg.cholesky(cov)
        moved = np.zeros(n, dtype=bool)
        accepted, steps = 0, 0
        while steps < max(mcmc_steps, 1) or (moved.mean() < 0.9 and steps < 10 * mcmc_steps):
            prop = reflect(u + scale * (rng.normal(size=(n, d)) @ chol.T))
            llp = loglik_fn(prop)
            with np.errstate(invalid="ignore"):
                ok = np.log(rng.random(n)) < beta * (llp - ll)
            u = np.where(ok[:, None], prop, u)
            ll = np.where(ok, llp, ll)
            moved |= ok
            accepted += int(ok.sum())
            steps += 1
        rate = accepted / (n * steps)
        info.update(acceptance=rate, scale=scale, moves=steps, moved=float(moved.mean()))
        stages.append(info)
        log.info("calibrate: stage %d, tempering %.4f, ESS %.0f, %d moves, acceptance %.2f, "
                 "%.0f%% of particles moved", stage + 1, beta, info["ess"], steps, rate,
                 100 * moved.mean())
        scale *= float(np.exp(rate - 0.234))  # aim at the usual random-walk acceptance
    raise CalibrationError(f"calibrate.max_stages={max_stages}: the tempering did not reach the "
                           f"posterior (exponent {beta:.3g}); raise it or calibrate.particles")
