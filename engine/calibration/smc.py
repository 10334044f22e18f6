"""Sequential Monte Carlo by likelihood tempering, in the unit hypercube.

Every prior here is an inverse CDF, so the prior is the uniform distribution on the design's unit
hypercube and the posterior is proportional to the likelihood there. Particles start as a design
drawn from the priors (the engine's first evaluation), and the likelihood is raised from L^0 to
L^1 in stages. Each stage

1. picks the next exponent so that the effective sample size of the reweighted particles is a
   fraction (``ess_fraction``) of their number, so the weights never collapse;
2. multiplies the evidence estimate by the mean incremental weight (below);
3. resamples (systematic resampling), so every particle carries the same weight again;
4. moves the particles with random-walk Metropolis steps that leave the tempered posterior
   invariant, until they have *decorrelated* from where the stage started (below).

The last stage reaches exponent 1 and is followed by the same resampling and moves, so the
result is equally weighted particles, each moved away from its resampled copies: the quality of
the posterior no longer depends on how large the last tempering step happened to be.

*Islands.* The particles are split into ``islands`` groups of (nearly) equal size that are
resampled only within themselves; the exponents, the proposal's covariance and its scale are
shared. Each island is then an SMC sampler of its own: its estimates are independent of the other
islands' given the shared schedule, and the spread of the island estimates measures the Monte
Carlo error of the pooled ones (of posterior quantiles and of the evidence) from one run, with no
model of the particles' correlations (Verge, Dubarry, Del Moral, Moulines 2015).

*Evidence.* With equally weighted particles at the start of stage s (after the previous
resampling; prior draws at the first stage), Z_s / Z_{s-1} is estimated by the mean over the
island's particles of exp((beta_s - beta_{s-1}) loglik_i); an island's log evidence is the sum
of the logs of these means over the stages, an unbiased estimate of Z on the linear scale (Del
Moral, Doucet, Jasra 2006, section 3.2.1). The pooled estimate is the mean over islands of Z_k;
its standard error is the islands' spread of Z_k / mean(Z) over sqrt(K), the delta-method
standard error of log Z.

*Moves.* Metropolis-Hastings steps in normal scores z = Phi^-1(u), where the prior is the
standard normal and every Gaussian step is symmetric (reflecting correlated steps at the cube's
faces, as this module did before, is not). Steps alternate between two kernels, each leaving the
tempered posterior invariant: a Gaussian random walk with the covariance of the particles'
scores (their correlations too), scaled by a factor that adapts after every walk step to the
acceptance rate of the whole population (the Gaussian-target relation acceptance =
2 Phi(-l sqrt(I) / 2) of Roberts, Gelman and Gilks (1997) gives the factor that would have hit
0.234, applied within [0.5, 2] per step); and an independent proposal from a Student t with the
particles' mean and covariance (Chopin 2002), which moves an accepted particle anywhere at once.
On the leaderboard calibration (1,500 and 8,000 particles) the walk alone needed 47 to 125 steps
per stage to decorrelate, the alternation 8 to 24.

*When to stop moving.* Moves repeat at least ``mcmc_steps`` times and until the rank correlation
(Spearman) between every particle's position at the start of the stage and its current position
is at most ``decorrelation`` in every coordinate and in the log likelihood. This is the
criterion that the resampled copies have become independent draws: two copies of one particle
that each move to rank correlation rho with their common start are correlated by about rho^2
with each other, so at rho = 0.1 the duplicates that resampling creates inflate the Monte Carlo
variance by about 1%. A fixed number of moves gives no such bound: with the acceptance falling
at later stages, 50 moves left 30% of the particles where resampling put them. The log
likelihood is included because the next stage's weights depend on the particles through it
alone. ``max_moves`` is a safety cap; a stage that hits it is logged as a warning and recorded
(``capped``), with the correlation it reached.

All random numbers come from the seed, drawn on the client in a fixed order; the likelihood of a
particle depends on that particle only, so the posterior is the same whatever the chunking of the
evaluations.

References
----------
P. Del Moral, A. Doucet, A. Jasra (2006), Sequential Monte Carlo samplers,
doi:10.1111/j.1467-9868.2006.00553.x. N. Chopin, O. Papaspiliopoulos (2020), An Introduction to
Sequential Monte Carlo, Springer (adaptive tempering, chapter 17). G. O. Roberts, A. Gelman,
W. R. Gilks (1997), Weak convergence and optimal scaling of random walk Metropolis algorithms,
doi:10.1214/aoap/1034625254. N. Chopin (2002), A sequential particle filter method for static
models, doi:10.1093/biomet/89.3.539. C. Verge, C. Dubarry, P. Del Moral, E. Moulines (2015), On
parallel implementation of sequential Monte Carlo methods: the island particle model,
doi:10.1007/s11222-013-9429-x.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy.special import logsumexp, ndtr, ndtri
from scipy.stats import rankdata

from engine.calibration.observation import CalibrationError

log = logging.getLogger("meek")
ONE_MINUS = np.nextafter(1.0, 0.0)
#: Target acceptance rate of the random-walk moves (Roberts, Gelman and Gilks 1997).
TARGET_ACCEPTANCE = 0.234
#: Degrees of freedom of the independent proposals (heavy tails: the ratio posterior/proposal
#: stays bounded further out than under a Gaussian fit).
T_DF = 5.0
#: Fewest particles per island (fewer islands when there are too few particles).
MIN_ISLAND = 50


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
    w = np.where(finite, w, 0.0)
    return float(w.sum() ** 2 / np.sum(w * w))


def normalised(logw: np.ndarray) -> np.ndarray:
    """Weights summing to 1 from log weights (-inf: weight 0)."""
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


def island_labels(n: int, islands: int) -> np.ndarray:
    """The island of each of n particles: contiguous blocks whose sizes differ by at most one.

    Example
    -------
    >>> island_labels(7, 3).tolist()
    [0, 0, 0, 1, 1, 2, 2]
    """
    return (np.arange(n) * islands // n).astype(np.int64)


def resample_islands(rng: np.random.Generator, logw: np.ndarray, label: np.ndarray
                     ) -> np.ndarray:
    """Indices of a systematic resampling of each island's particles among themselves (one
    uniform per island, drawn in island order), by the log weights ``logw``.

    Example
    -------
    >>> resample_islands(np.random.default_rng(0), np.log([1.0, 1e-9, 1e-9, 1.0]),
    ...                  np.array([0, 0, 1, 1])).tolist()
    [0, 0, 3, 3]
    """
    idx = np.empty(len(logw), dtype=np.int64)
    for k in range(int(label.max()) + 1):
        m = np.nonzero(label == k)[0]
        idx[m] = m[systematic(rng, normalised(logw[m]), len(m))]
    return idx


def weighted_quantile(values: np.ndarray, weights: np.ndarray, p: Sequence[float] | np.ndarray
                      ) -> np.ndarray:
    """The smallest value whose cumulative weight reaches each probability in ``p``.

    Example
    -------
    >>> weighted_quantile(np.array([3.0, 1.0, 2.0]), np.array([0.2, 0.5, 0.3]), [0.5, 0.6])
    array([1., 2.])
    """
    order = np.argsort(values, kind="stable")
    cum = np.cumsum(weights[order])
    cum /= cum[-1]
    at = np.searchsorted(cum, np.asarray(p, dtype=float) - 1e-12, side="left")
    return values[order][np.minimum(at, len(values) - 1)]


def rank_correlation(start_ranks: np.ndarray, now: np.ndarray) -> np.ndarray:
    """Spearman correlation, column by column, between ranks (n, k) and the values ``now``.

    A column whose start is constant cannot be correlated with anything (0) unless the current
    column is constant too (nothing moved: 1).
    """
    a = start_ranks - start_ranks.mean(axis=0)
    b = rankdata(now, axis=0)
    b -= b.mean(axis=0)
    sa, sb = np.sqrt(np.sum(a * a, axis=0)), np.sqrt(np.sum(b * b, axis=0))
    with np.errstate(invalid="ignore", divide="ignore"):
        r = np.sum(a * b, axis=0) / (sa * sb)
    return np.where(sb == 0, 1.0, np.where(sa == 0, 0.0, r))


def _scale_factor(acceptance: float) -> float:
    """How much to multiply the proposal scale by to move the acceptance to the target, for a
    Gaussian target (acceptance = 2 Phi(-l c / 2)), within [0.5, 2]."""
    if acceptance <= 0.0:
        return 0.5
    if acceptance >= 1.0:
        return 2.0
    return float(np.clip(ndtri(TARGET_ACCEPTANCE / 2) / ndtri(acceptance / 2), 0.5, 2.0))


@dataclass
class Posterior:
    """Weighted particles in the unit hypercube, the path that led there, and the island
    estimates that measure its Monte Carlo error."""

    unit: np.ndarray          # (n, d)
    weights: np.ndarray       # (n,), summing to 1
    loglik: np.ndarray        # (n,)
    stages: list[dict[str, float]] = field(default_factory=list)
    island: np.ndarray | None = None              # (n,) island of each particle
    island_log_evidence: np.ndarray | None = None  # (K,) log Z of each island

    @property
    def ess(self) -> float:
        with np.errstate(divide="ignore"):
            return ess(np.log(np.where(self.weights > 0, self.weights, 0.0)))

    @property
    def distinct(self) -> int:
        """Particles that differ from every other (moves make resampled copies distinct)."""
        return int(len(np.unique(self.unit, axis=0)))

    @property
    def islands(self) -> int:
        return 1 if self.island is None else int(self.island.max()) + 1

    @property
    def log_evidence(self) -> float:
        """log Z: the log of the mean over islands of each island's evidence estimate."""
        if self.island_log_evidence is None:
            return float("nan")
        z = self.island_log_evidence
        return float(logsumexp(z) - math.log(len(z)))

    @property
    def log_evidence_mcse(self) -> float:
        """Monte Carlo standard error of :attr:`log_evidence` from the islands' spread (NaN with
        fewer than two islands)."""
        z = self.island_log_evidence
        if z is None or len(z) < 2 or not np.isfinite(self.log_evidence):
            return float("nan")
        ratio = np.exp(z - self.log_evidence)  # Z_k / mean Z
        return float(np.std(ratio, ddof=1) / math.sqrt(len(z)))

    def quantile(self, values: np.ndarray, p: Sequence[float] | np.ndarray) -> np.ndarray:
        """Weighted quantiles of ``values`` (one per particle) under the pooled particles."""
        return weighted_quantile(np.asarray(values, dtype=float), self.weights, p)

    def island_quantiles(self, values: np.ndarray, p: Sequence[float] | np.ndarray
                         ) -> np.ndarray:
        """(K, len(p)): each island's own weighted quantiles."""
        values = np.asarray(values, dtype=float)
        label = self.island if self.island is not None else np.zeros(len(values), np.int64)
        return np.stack([weighted_quantile(values[label == k], self.weights[label == k], p)
                         for k in range(self.islands)])

    def quantile_mcse(self, values: np.ndarray, p: Sequence[float] | np.ndarray) -> np.ndarray:
        """Monte Carlo standard errors of :meth:`quantile`: the islands' standard deviation over
        sqrt(K) (the pooled quantile is, to first order, the mean of the islands'; Bahadur's
        representation). NaN with fewer than two islands."""
        if self.islands < 2:
            return np.full(len(np.atleast_1d(p)), np.nan)
        q = self.island_quantiles(values, p)
        return np.std(q, axis=0, ddof=1) / math.sqrt(self.islands)


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


def _clean(ll: np.ndarray) -> np.ndarray:
    """Log likelihoods with every undefined value (NaN) read as -inf (likelihood zero)."""
    ll = np.asarray(ll, dtype=float)
    return np.where(np.isnan(ll), -np.inf, ll)


def _log_mean_exp(x: np.ndarray) -> float:
    if not np.isfinite(x).any():
        return -math.inf
    return float(logsumexp(x) - math.log(len(x)))


def temper(loglik_fn: Callable[[np.ndarray], np.ndarray], unit: np.ndarray, *, seed: int,
           ess_fraction: float = 0.5, mcmc_steps: int = 5, max_stages: int = 60,
           islands: int = 20, decorrelation: float = 0.1, max_moves: int = 400) -> Posterior:
    """Adaptive tempered SMC from prior draws ``unit`` (n, d) to the posterior (see above).

    Parameters
    ----------
    loglik_fn : callable
        Log likelihood of rows of the unit hypercube, (m, d) -> (m,); NaN or -inf: zero
        likelihood. It must depend on each row alone.
    unit : ndarray
        Prior draws (n, d) in [0, 1).
    seed : int
        Seed of every random number of the sampler.
    ess_fraction : float
        Share of the particles kept effective by each tempering step.
    mcmc_steps : int
        Fewest Metropolis moves per stage.
    max_stages : int
        Most tempering stages before giving up.
    islands : int
        Groups of particles resampled separately (at most n // MIN_ISLAND); their spread gives the
        Monte Carlo errors.
    decorrelation : float
        Largest rank correlation between start and current positions that ends a stage's moves.
    max_moves : int
        Safety cap on the moves of one stage (reported when hit).

    Returns
    -------
    Posterior
        Equally weighted particles at exponent 1, the stages' records and the islands' evidence.
    """
    n, d = unit.shape
    k_islands = max(1, min(int(islands), n // MIN_ISLAND))
    label = island_labels(n, k_islands)
    members = [np.nonzero(label == k)[0] for k in range(k_islands)]
    rng = np.random.default_rng([seed, 0x5C])
    u = np.array(unit, dtype=float)
    ll = _clean(loglik_fn(u))
    if not np.isfinite(ll).any():
        raise CalibrationError("priors: no prior draw can produce the observed data (every "
                               "likelihood is zero); widen the priors or check the data window")
    empty = [k for k, m in enumerate(members) if not np.isfinite(ll[m]).any()]
    if empty:
        raise CalibrationError(f"calibrate.particles={n}: in {len(empty)} of {k_islands} islands "
                               "of particles no prior draw can produce the observed data; the "
                               "prior barely reaches the data: use more particles")
    beta, scale = 0.0, 2.38 / np.sqrt(d)
    log_z = np.zeros(k_islands)
    stages: list[dict[str, float]] = []
    target = ess_fraction * n
    for stage in range(max_stages):
        new = _next_beta(ll, beta, target)
        inc = (new - beta) * ll  # -inf where the likelihood is zero
        for k, m in enumerate(members):
            log_z[k] += _log_mean_exp(inc[m])
        beta = new
        info: dict[str, float] = {"beta": beta, "ess": ess(inc), "acceptance": np.nan,
                                  "scale": np.nan, "moves": 0, "moved": np.nan,
                                  "acceptance_walk": np.nan, "acceptance_independent": np.nan,
                                  "rank_correlation": np.nan, "capped": 0,
                                  "log_evidence_increment": _log_mean_exp(inc)}
        idx = resample_islands(rng, inc, label)
        u, ll = u[idx], ll[idx]
        u, ll = _move(loglik_fn, u, ll, beta, scale, rng, info, mcmc_steps, decorrelation,
                      max_moves)
        scale = info["scale_next"]
        del info["scale_next"]
        stages.append(info)
        log.info("calibrate: stage %d, tempering %.4f, ESS %.0f of %d, %d moves, acceptance "
                 "%.2f, rank correlation with the start %.3f", stage + 1, beta, info["ess"], n,
                 info["moves"], info["acceptance"], info["rank_correlation"])
        if beta >= 1.0:
            return Posterior(u, np.full(n, 1.0 / n), ll, stages, label, log_z)
    raise CalibrationError(f"calibrate.max_stages={max_stages}: the tempering did not reach the "
                           f"posterior (exponent {beta:.3g}); raise it or calibrate.particles")


def _to_normal(u: np.ndarray) -> np.ndarray:
    """The standard normal scores z = Phi^-1(u) of unit-cube rows (finite for u in [0, 1))."""
    return ndtri(np.clip(u, 1e-300, ONE_MINUS))


def _to_unit(z: np.ndarray) -> np.ndarray:
    return np.minimum(ndtr(z), ONE_MINUS)


def _log_t(z: np.ndarray, mean: np.ndarray, inv: np.ndarray, df: float) -> np.ndarray:
    """Log density of a multivariate Student t (df, mean, scale matrix inv^-1), up to a constant."""
    r = z - mean
    return -0.5 * (df + z.shape[1]) * np.log1p(np.einsum("ij,jk,ik->i", r, inv, r) / df)


def _move(loglik_fn: Callable[[np.ndarray], np.ndarray], u: np.ndarray, ll: np.ndarray,
          beta: float, scale: float, rng: np.random.Generator, info: dict[str, float],
          min_moves: int, decorrelation: float, max_moves: int
          ) -> tuple[np.ndarray, np.ndarray]:
    """Metropolis-Hastings moves at exponent ``beta`` until the particles decorrelate from ``u``.

    The moves run in normal scores z = Phi^-1(u), where the uniform prior on the cube is the
    standard normal density. Steps alternate between a Gaussian random walk with the
    particles' covariance (symmetric: the acceptance ratio is the tempered likelihood ratio
    times the prior's phi(z') / phi(z)) and an independent proposal from a Student t with
    ``T_DF`` degrees of freedom and the particles' mean and covariance (the ratio also holds
    q(z) / q(z')). Both leave the tempered posterior invariant.
    """
    n, d = u.shape
    z = _to_normal(u)
    mean = z.mean(axis=0)
    cov = np.cov(z, rowvar=False).reshape(d, d) + 1e-10 * np.eye(d)
    chol = np.linalg.cholesky(cov)
    inv = np.linalg.inv(cov)
    start = rankdata(np.column_stack([u, ll]), axis=0)
    moved = np.zeros(n, dtype=bool)
    accepted = {True: [0, 0], False: [0, 0]}  # independent?: [accepted, proposed]
    steps, first_scale = 0, scale
    rho = 1.0
    while True:
        independent = steps % 2 == 1
        step = rng.normal(size=(n, d)) @ chol.T
        if independent:
            zp = mean + step / np.sqrt(rng.chisquare(T_DF, size=n) / T_DF)[:, None]
        else:
            zp = z + scale * step
        prop = _to_unit(zp)
        llp = _clean(loglik_fn(prop))
        log_ratio = 0.5 * (np.sum(z * z, axis=1) - np.sum(zp * zp, axis=1))
        if independent:
            log_ratio += _log_t(z, mean, inv, T_DF) - _log_t(zp, mean, inv, T_DF)
        with np.errstate(invalid="ignore"):
            ok = np.log(rng.random(n)) < beta * (llp - ll) + log_ratio
        z = np.where(ok[:, None], zp, z)
        u = np.where(ok[:, None], prop, u)
        ll = np.where(ok, llp, ll)
        moved |= ok
        accepted[independent][0] += int(ok.sum())
        accepted[independent][1] += n
        steps += 1
        if not independent:
            scale *= _scale_factor(float(ok.mean()))
        rho = float(np.max(np.abs(rank_correlation(start, np.column_stack([u, ll])))))
        if steps >= max(min_moves, 1) and rho <= decorrelation:
            break
        if steps >= max_moves:
            info["capped"] = 1
            log.warning("calibrate: the moves at tempering %.4f hit their cap of %d with a rank "
                        "correlation of %.3f with the stage's start (aim: %.3f)", beta,
                        max_moves, rho, decorrelation)
            break
    walk, indep = accepted[False], accepted[True]
    info.update(acceptance=(walk[0] + indep[0]) / (n * steps), scale=first_scale, moves=steps,
                acceptance_walk=walk[0] / walk[1] if walk[1] else np.nan,
                acceptance_independent=indep[0] / indep[1] if indep[1] else np.nan,
                moved=float(moved.mean()), rank_correlation=rho, scale_next=scale)
    return u, ll
