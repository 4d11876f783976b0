"""Running totals of rare events: how many more will there be?

Some target series are counts of things recognised now and then — 典型场景, 区域合作样板 — whose
monthly series is a staircase: most months add nothing, some add a batch. A trend model fitted to
such a staircase either freezes at the last step (a fan of zero width: "never again") or
extrapolates one lucky batch for years. They are better described as what they are, a compound
Poisson process (Cox & Isham, *Point Processes*, 1980, ch. 3):

* batches arrive at an unknown monthly rate ρ; given the batches seen over the recent window, ρ
  has a gamma posterior — Gamma(a₀ + B, b₀ + W) for B batches in W months, from the Jeffreys
  prior Gamma(½, 0) or from a prior pooled over comparable series (other cities' recognitions:
  empirical Bayes, Casella 1985), so that a city with nothing yet is judged by how often its
  peers get one rather than by its own short silence;
* each batch adds a size drawn from the batch sizes seen (a bootstrap), one when none was seen.

Integrating over ρ makes the count ahead negative-binomial rather than Poisson: the uncertainty
of the rate is in the fan. Paths are simulated and never fall; quantiles are whole numbers.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

WINDOW = 24  # recent months the rate is estimated from
MIN_QUIET_SHARE = 0.3  # a running total with at least this share of months adding nothing …
MAX_LEVEL = 10_000  # … and whole-number values below this is treated as a count of events
PRIOR_MONTHS = 12.0  # weight of a pooled prior, in months of the series' own observation
JEFFREYS = (0.5, 0.0)


@dataclass(frozen=True)
class CountPrior:
    """A pooled prior on the batch rate: ``batches`` seen over ``months`` of exposure in
    comparable series, and the batch sizes they showed."""

    batches: float
    months: float
    sizes: tuple[float, ...] = ()

    def gamma(self, strength: float = PRIOR_MONTHS) -> tuple[float, float]:
        """(shape, rate) of the prior on ρ carrying ``strength`` months of weight, but never more
        than the peers' own months of exposure: a few months of evidence make a weak prior."""
        if self.months <= 0:
            return JEFFREYS
        strength = min(strength, self.months)
        rate = self.batches / self.months
        return (JEFFREYS[0] + rate * strength, strength)


def is_event_count(y: np.ndarray) -> bool:
    """A running total of whole numbers whose months often add nothing."""
    y = np.asarray(y, dtype=float)
    if len(y) < 3 or np.any(y != np.round(y)) or y.max() >= MAX_LEVEL or y.min() < 0:
        return False
    steps = np.diff(y[-(WINDOW + 1) :])
    return bool(np.all(np.diff(y) >= 0) and np.mean(steps == 0) >= MIN_QUIET_SHARE)


def window_evidence(y: np.ndarray) -> tuple[int, int, np.ndarray]:
    """(batches, months, all batch sizes) of a running total: batches counted over the last
    :data:`WINDOW` months, sizes from the whole series."""
    steps = np.maximum(np.diff(np.asarray(y, dtype=float)), 0.0)
    recent = steps[-WINDOW:]
    return int(np.count_nonzero(recent)), len(recent), steps[steps > 0]


def backtest_mase(
    y: np.ndarray, horizon: int, *, prior: CountPrior | None = None, first: int = 4, n: int = 400
) -> tuple[float | None, float | None]:
    """(MASE of the model's median, MASE of the naive last value) over a rolling-origin
    backtest: from every origin with at least ``first`` observations before it, refit on the data
    up to it and forecast 1 … ``horizon`` months; absolute errors averaged over the horizons
    each origin can be checked at, then over origins, and scaled by the series' mean absolute
    monthly step. (None, None) when no origin can be checked or the series never moved."""
    y = np.asarray(y, dtype=float)
    scale = float(np.mean(np.abs(np.diff(y)))) if len(y) > 1 else 0.0
    if scale == 0 or len(y) <= first + 1:
        return None, None
    model_err, naive_err = [], []
    for origin in range(first, len(y) - 1):
        ahead = min(horizon, len(y) - 1 - origin)
        actual = y[origin + 1 : origin + 1 + ahead]
        paths = simulate(y[: origin + 1], ahead, n=n, seed=origin, prior=prior)
        median = np.sort(paths, axis=0)[n // 2]
        model_err.append(float(np.mean(np.abs(median - actual))))
        naive_err.append(float(np.mean(np.abs(y[origin] - actual))))
    return float(np.mean(model_err)) / scale, float(np.mean(naive_err)) / scale


def simulate(
    y: np.ndarray, steps: int, *, n: int = 4000, seed: int = 0, prior: CountPrior | None = None
) -> np.ndarray:
    """(n, steps) simulated paths of the running total ``y`` continued ``steps`` months."""
    batches, months, sizes = window_evidence(y)
    a0, b0 = prior.gamma() if prior is not None else JEFFREYS
    if len(sizes) == 0 and prior is not None and prior.sizes:
        sizes = np.asarray(prior.sizes, dtype=float)
    if len(sizes) == 0:
        sizes = np.ones(1)
    rng = np.random.default_rng(seed)
    rho = rng.gamma(a0 + batches, 1.0 / max(b0 + months, 1e-9), size=n)
    k = rng.poisson(rho[:, None], size=(n, steps))
    added = np.zeros(k.size)
    total = int(k.sum())
    if total:
        drawn = rng.choice(sizes, size=total, replace=True)
        cells = np.repeat(np.arange(k.size), k.ravel())
        added = np.bincount(cells, weights=drawn, minlength=k.size)
    return float(y[-1]) + np.cumsum(added.reshape(n, steps), axis=1)
