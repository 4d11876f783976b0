"""Forecast an indicator series and say honestly how sure the forecast is.

:class:`Forecaster` runs a rolling-origin backtest *at the horizon asked for* (e.g. the months to
a target's deadline): from every origin that leaves at least :data:`MIN_TRAIN` observations
behind it, each candidate is refitted on the data up to that origin only and forecasts 1 … H
steps ahead. The same backtest chooses the model, corrects its bias and calibrates its spread.

Candidates (closed forms or small grid searches, cheap enough to refit at every origin):

* ``naive``    last value (seasonal naive for seasonal series) — the benchmark;
* ``linear5``  ordinary least-squares straight line through the last 5 observations;
* ``damped``   additive damped-trend exponential smoothing (damped Holt; Gardner & McKenzie
               1985), α, β, φ chosen on a grid by in-sample one-step squared error;
* ``arima``    ARIMA(1,1,0) with drift, by least squares on the differences;
* ``combo``    the equal-weight mean of ``linear5``, ``damped`` and ``arima`` (forecast
               combinations are hard to beat — Makridakis et al., M4, 2020);
* ``theta``    the Theta method (Hyndman & Billah 2003) — available, not a default candidate:
               its half slope under-forecasts growing series.

Choice. Each candidate's backtest score is its mean absolute error over the horizons each
origin can be checked at, scaled by the in-sample naive error (MASE, Hyndman & Koehler 2006),
averaged over origins with weight ½ per half-life (max(6, 2H) origins) of age. The combination
is kept unless a single model scores at least 20 % lower (:data:`PREFER_COMBINATION`).

Scales. A rate bounded in [lo, hi] is tried on the raw scale and on the logit scale of
(y − lo)/(hi − lo) clipped at :data:`EPS` of the range from either bound (logit ±5.3: a 0 %
month cannot become −9.2 and blow the fan open); the logit scale is skipped for a series that
touches a bound. Other series are forecast on the raw scale. A leading run of observations at
the lower bound (a programme not yet started) is dropped, keeping its last point. Seasonal
series also try every candidate on the seasonally adjusted series (additive indices from the
data before the first backtest origin).

Calibration (split-conformal in spirit: Stankeviciute et al. 2021; Angelopoulos & Bates 2023).
The chosen model's bias at each horizon is its recency-weighted median backtest error, smoothed
by a straight line over h, and is added to the forecast; only horizons checked from at least
half the origins enter the line, and beyond the last of them it is held, not extrapolated. The corrected backtest errors eₒ,ₕ —
in percentage points for a rate, on the log scale for a quantity bounded below, raw otherwise —
give a spread per horizon sₕ (recency-weighted root mean square); log sₕ = a + γ log h is fitted
by least squares (γ ∈ [½, 1½]); past the longest horizon with backtest evidence the spread
grows at least like h^1.5. The standardized errors eₒ,ₕ/ŝₕ of all horizons are pooled, smoothed
with a Gaussian kernel and widened as a Student-t interval would be for the effective number of
origins. Quantile q at step h is ẑₕ + ŝₕ·Q(q), transformed back. Because every origin refits the
model, the spread includes parameter uncertainty.

Floors. A running total (``cumulative=True``) never falls below its last observation; a rate
whose falls are at most a fifth of its movement (a completion rate) never falls below its last
value less its largest fall so far. In both cases every quantile path is non-decreasing.

Counts of events recognised in batches (a running total of whole numbers whose months mostly
add nothing: 典型场景, 区域合作样板) are not trend-fitted: they get the compound-Poisson model of
:mod:`models.counts` (:class:`CountForecast`), with a prior pooled over peer regions when given.

Short or flat series (fewer than :data:`MIN_BACKTEST` observations, or no movement at all) get
a random walk with drift whose spread includes the uncertainty of the estimated drift:
sₕ = s √(h + h²/(n − 1)), with Student-t quantiles.

The point forecast reported (``mean``) is the median of the calibrated distribution; the
probability of meeting a target at a step is the share of the distribution on the right side of
the target, and the expected step is the first step from which that probability stays ≥ ½.

Usage::

    fc = Forecaster(period=12, bounds=(0, 100), horizon=18).fit(values)
    fc.forecast(18)       # frame: step, mean, lo80, hi80, lo95, hi95
    fc.probability(80, steps=18, polarity="higher")
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import polars as pl
from scipy.special import ndtr, ndtri, stdtrit

from models import counts

MODELS = ("naive", "linear5", "damped", "theta", "arima", "combo")
DEFAULT_MODELS = ("linear5", "damped", "arima", "combo")  # Theta under-trends growth series
MODEL_LABELS = {
    "naive": "朴素预测（基准）",
    "linear5": "近 5 期直线趋势",
    "damped": "阻尼趋势指数平滑",
    "theta": "Theta 法",
    "arima": "ARIMA(1,1,0)+漂移",
    "combo": "组合预测（近 5 期直线、阻尼趋势、ARIMA 等权）",
    "drift": "带漂移的朴素预测（序列过短或尚无变化）",
    "counts": "复合泊松计数模型（成批认定的累计数）",
}
SCALE_LABELS = {"identity": "原始尺度", "logit": "logit 尺度", "log1p": "对数尺度"}
MIN_BIAS_SHARE = 0.5
MIN_BACKTEST = 8  # fewer observations than this: no backtest, drift fallback
MIN_TRAIN = 5  # observations before the first backtest origin
EPS = 0.005  # logit clip, as a share of the range: 0.5 point on a 0–100 scale
HALF_LIFE_PER_STEP = 2.0  # recent backtest origins weigh more: half-life 2·H origins …
MIN_HALF_LIFE = 6.0  # … and at least 6
GROWTH_BEYOND_EVIDENCE = 1.5  # spread ∝ h^1.5 past the longest horizon the backtest checked
PREFER_COMBINATION = 0.8  # a single model replaces the combination only if 20 % better
RARELY_FALLS = 0.2  # a rate whose falls are at most this share of its movement gets a floor
LEVELS = (0.025, 0.1, 0.5, 0.9, 0.975)
_GRID = np.linspace(0.0005, 0.9995, 1000)  # probability levels of the stored quantile function


# --- transforms --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Transform:
    """Maps the series to a modelling scale and back.

    ``logit``: z = log(u / (1 − u)), u = (y − lo)/(hi − lo) clipped to [ε, 1 − ε];
    ``log1p``: z = log(1 + y − lo) for series bounded below only; ``identity``: z = y, and the
    way back clips to whatever bounds the indicator has.
    """

    kind: str
    lo: float | None = None
    hi: float | None = None
    eps: float = EPS

    @classmethod
    def for_bounds(cls, bounds: tuple[float | None, float | None] | None) -> Transform:
        lo, hi = bounds or (None, None)
        if lo is not None and hi is not None:
            return cls("logit", float(lo), float(hi))
        if lo is not None:
            return cls("log1p", float(lo), None)
        return cls("identity")

    @classmethod
    def candidates(cls, bounds: tuple[float | None, float | None] | None) -> list[Transform]:
        """The scales point forecasts are tried on: a rate on the logit and the raw scale (a
        logistic path is a straight line in logit); anything else on the raw scale only —
        trends extrapolated on the log scale compound, and overshoot as growth slows."""
        natural = cls.for_bounds(bounds)
        raw = cls("identity", natural.lo, natural.hi)
        return [natural, raw] if natural.kind == "logit" else [raw]

    def forward(self, y: np.ndarray) -> np.ndarray:
        y = np.asarray(y, dtype=float)
        if self.kind == "logit":
            u = np.clip((y - self.lo) / (self.hi - self.lo), self.eps, 1 - self.eps)
            return np.log(u / (1 - u))
        if self.kind == "log1p":
            return np.log1p(np.maximum(y - self.lo, 0.0))
        return y

    def inverse(self, z: np.ndarray) -> np.ndarray:
        z = np.asarray(z, dtype=float)
        if self.kind == "logit":
            return self.lo + (self.hi - self.lo) / (1 + np.exp(-z))
        if self.kind == "log1p":
            return self.lo + np.expm1(z)
        lo = -np.inf if self.lo is None else self.lo
        hi = np.inf if self.hi is None else self.hi
        return np.clip(z, lo, hi)


# --- candidate forecasts from many origins at once ----------------------------------------------
#
# Each function takes the series z (modelling scale), the origins (index of the last training
# observation) and a number of steps, and returns an (origins × steps) array of forecasts made
# with data up to each origin only.

_ALPHAS = np.array([0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 0.9])
_BETA_SHARES = np.array([0.02, 0.1, 0.3, 1.0])  # β as a share of α (β ≤ α)
_PHIS = np.array([0.8, 0.9, 0.95, 0.98])
_SES_ALPHAS = np.linspace(0.05, 1.0, 20)


def _steps(steps: int) -> np.ndarray:
    return np.arange(1, steps + 1, dtype=float)


def _bt_naive(z, origins, steps, m=1):
    return np.repeat(z[origins][:, None], steps, axis=1)


def _bt_snaive(z, origins, steps, m):
    h = np.arange(steps)
    idx = origins[:, None] - m + 1 + (h[None, :] % m)
    return z[np.clip(idx, 0, None)]


def _bt_linear(z, origins, steps, m=1, k=5):
    """OLS line through the last k points ending at each origin, extended."""
    out = np.empty((len(origins), steps))
    for i, o in enumerate(origins):
        window = z[max(0, o - k + 1) : o + 1]
        t = np.arange(len(window), dtype=float)
        if len(window) < 2:
            out[i] = window[-1]
            continue
        tc = t - t.mean()
        slope = float(tc @ (window - window.mean()) / (tc @ tc))
        end = window.mean() + slope * tc[-1]
        out[i] = end + slope * _steps(steps)
    return out


def _bt_damped(z, origins, steps, m=1):
    """Damped Holt, (α, β, φ) chosen per origin on a grid by one-step squared error."""
    a = np.repeat(_ALPHAS, len(_BETA_SHARES) * len(_PHIS))
    b = a * np.tile(np.repeat(_BETA_SHARES, len(_PHIS)), len(_ALPHAS))
    p = np.tile(_PHIS, len(_ALPHAS) * len(_BETA_SHARES))
    n = len(z)
    k = min(4, n - 1)
    level = np.full(a.shape, z[0])
    trend = np.full(a.shape, (z[k] - z[0]) / k if k > 0 else 0.0)
    levels, trends, sse = np.empty((n, a.size)), np.empty((n, a.size)), np.zeros((n, a.size))
    levels[0], trends[0] = level, trend
    for t in range(1, n):
        pred = level + p * trend
        err = z[t] - pred
        level = pred + a * err
        trend = p * trend + b * err
        levels[t], trends[t] = level, trend
        sse[t] = sse[t - 1] + err * err
    best = np.argmin(sse[origins], axis=1)
    phi = p[best]
    damp = np.cumsum(phi[:, None] ** _steps(steps)[None, :], axis=1)
    return levels[origins, best][:, None] + damp * trends[origins, best][:, None]


def _bt_theta(z, origins, steps, m=1):
    """Theta: SES (α on a grid, per origin) plus half the OLS slope of the data so far."""
    n = len(z)
    level = np.full(_SES_ALPHAS.shape, z[0])
    levels, sse = np.empty((n, _SES_ALPHAS.size)), np.zeros((n, _SES_ALPHAS.size))
    levels[0] = level
    for t in range(1, n):
        err = z[t] - level
        level = level + _SES_ALPHAS * err
        levels[t] = level
        sse[t] = sse[t - 1] + err * err
    best = np.argmin(sse[origins], axis=1)
    alpha = _SES_ALPHAS[best]
    t = np.arange(n, dtype=float)
    c1, ct, cz, ctz, ctt = (np.cumsum(x) for x in (np.ones(n), t, z, t * z, t * t))
    cnt = c1[origins]
    den = cnt * ctt[origins] - ct[origins] ** 2
    slope = np.where(
        den > 0, (cnt * ctz[origins] - ct[origins] * cz[origins]) / np.where(den > 0, den, 1), 0.0
    )
    length = origins + 1
    growth = (
        _steps(steps)[None, :] - 1 + (1 - (1 - alpha[:, None]) ** length[:, None]) / alpha[:, None]
    )
    return levels[origins, best][:, None] + 0.5 * slope[:, None] * growth


def _bt_arima(z, origins, steps, m=1):
    """ARIMA(1,1,0) with drift: AR(1) on the differences around their mean, per origin."""
    d = np.diff(z, prepend=z[0])  # d[t] = z[t] − z[t−1], d[0] = 0 (unused)
    out = np.empty((len(origins), steps))
    cd = np.cumsum(d)
    for i, o in enumerate(origins):
        if o < 3:
            out[i] = z[o] + (z[o] - z[0]) / max(o, 1) * _steps(steps)
            continue
        diffs = d[1 : o + 1]
        mu = (cd[o] - cd[0]) / o
        x, y = diffs[:-1] - mu, diffs[1:] - mu
        den = float(x @ x)
        phi = float(np.clip(x @ y / den, -0.9, 0.9)) if den > 0 else 0.0
        ahead = mu + phi ** _steps(steps) * (diffs[-1] - mu)
        out[i] = z[o] + np.cumsum(ahead)
    return out


def _bt_drift(z, origins, steps, m=1):
    """Random walk with drift: the mean step so far, extended."""
    slope = (z[origins] - z[0]) / np.maximum(origins, 1)
    return z[origins][:, None] + slope[:, None] * _steps(steps)[None, :]


COMBO = ("linear5", "damped", "arima")


def _bt_combo(z, origins, steps, m=1):
    """Equal-weight mean of the COMBO forecasts."""
    return sum(CANDIDATES[name](z, origins, steps, m) for name in COMBO) / len(COMBO)


CANDIDATES = {
    "linear5": _bt_linear,
    "damped": _bt_damped,
    "theta": _bt_theta,
    "arima": _bt_arima,
    "combo": _bt_combo,
    "drift": _bt_drift,  # the short-series fallback, not a backtested candidate
}


def _seasonal_indices(z: np.ndarray, m: int) -> np.ndarray:
    """Additive seasonal indices (mean zero) from a centred moving average of order m (2×m for
    even m); index j belongs to positions t with t mod m == j."""
    w = np.r_[0.5, np.ones(m - 1), 0.5] / m if m % 2 == 0 else np.ones(m) / m
    trend = np.convolve(z, w, mode="valid")
    half = (len(w) - 1) // 2
    detrended = z[half : half + len(trend)] - trend
    pos = np.arange(half, half + len(trend)) % m
    idx = np.array([detrended[pos == j].mean() if np.any(pos == j) else 0.0 for j in range(m)])
    return idx - idx.mean()


def _horizon_bias(errors: np.ndarray, half_life: float) -> np.ndarray:
    """Bias per horizon: the weighted median backtest error at each horizon (weight ½ per
    ``half_life`` origins of age), smoothed by a least-squares line over h (weights √count).
    Horizons checked from fewer than half the origins (or 3) are skipped — their errors come
    only from the oldest origins, whose regime may be long gone — and beyond the longest
    horizon kept the line is held flat. Returns (H,)."""
    n_o, h = errors.shape
    w = 0.5 ** ((n_o - 1 - np.arange(n_o)) / half_life)
    hs, meds, cnt = [], [], []
    for k in range(h):
        ok = np.isfinite(errors[:, k])
        if ok.sum() < max(3, MIN_BIAS_SHARE * n_o):
            continue
        e, ww = errors[ok, k], w[ok]
        order = np.argsort(e)
        cw = np.cumsum(ww[order])
        meds.append(float(e[order][np.searchsorted(cw, 0.5 * cw[-1])]))
        hs.append(k + 1.0)
        cnt.append(float(ok.sum()))
    if not hs:
        return np.zeros(h)
    if len(hs) == 1:
        return np.full(h, meds[0])
    c1, c0 = np.polyfit(hs, meds, 1, w=np.sqrt(cnt))
    return c0 + c1 * np.minimum(_steps(h), max(hs))


# --- the forecaster ----------------------------------------------------------------------------


def mase_scale(y: np.ndarray, m: int) -> float:
    """Mean absolute (seasonal) naive in-sample error: the MASE denominator."""
    lag = m if m > 1 and len(y) > m else 1
    diffs = np.abs(y[lag:] - y[:-lag])
    scale = float(np.mean(diffs)) if len(diffs) else 0.0
    return scale if scale > 0 else 1.0


@dataclass(frozen=True)
class _Variant:
    """One candidate on one scale, with or without seasonal adjustment."""

    name: str
    transform: Transform
    seasonal: bool

    def point(self, z, origins, steps: int, m: int, idx, *, memo=None) -> np.ndarray:
        """(origins × steps) point forecasts on this variant's scale; ``memo`` (a dict shared
        by the variants of one fit) saves refitting the members of the combination."""
        if self.name == "naive":
            if m > 1 and self.seasonal:
                return _bt_snaive(z, origins, steps, m)
            return _bt_naive(z, origins, steps)
        memo = {} if memo is None else memo
        base = z
        if self.seasonal:
            base = z - idx[np.arange(len(z)) % m]

        def run(name):
            key = (self.transform, self.seasonal, name)
            if key not in memo:
                memo[key] = CANDIDATES[name](base, origins, steps, m)
            return memo[key]

        out = sum(run(n) for n in COMBO) / len(COMBO) if self.name == "combo" else run(self.name)
        if self.seasonal:
            out = out + idx[(origins[:, None] + _steps(steps)[None, :].astype(int)) % m]
        return out


@dataclass
class _Spread:
    """The calibrated spread: sₕ = exp(a) · h^γ and the pooled standardized-error quantiles."""

    log_a: float
    gamma: float
    quantiles: np.ndarray  # Q(_GRID)
    n_errors: int
    bias: np.ndarray | None = None  # per horizon 1…H, on the model's scale
    h_max: int = 0  # longest horizon with backtest evidence (0: the power law throughout)
    drift_n: int = 0  # > 0: the spread of a random walk with drift estimated from n points

    def bias_ahead(self, steps: int) -> np.ndarray:
        """The bias correction for steps 1…steps; beyond H it grows in proportion to h."""
        if self.bias is None or len(self.bias) == 0:
            return np.zeros(steps)
        b = np.asarray(self.bias, dtype=float)
        if steps <= len(b):
            return b[:steps]
        extra = b[-1] * _steps(steps)[len(b) :] / len(b)
        return np.concatenate([b, extra])

    def sigma(self, steps: int) -> np.ndarray:
        """sₕ for h = 1…steps. Up to the longest backtested horizon ``h_max`` the fitted power
        law; beyond it the spread grows at least in proportion to h (the error of an estimated
        trend grows linearly, and there is no evidence to say it grows slower). A random walk
        with drift estimated from n points (``drift_n``) has sₕ = s₁ √(h + h²/(n − 1))."""
        h = _steps(steps)
        if self.drift_n:
            return np.exp(self.log_a) * np.sqrt(h + h**2 / max(self.drift_n - 1, 1))
        out = np.exp(self.log_a) * h**self.gamma
        if self.h_max and steps > self.h_max:
            beyond = h > self.h_max
            edge = np.exp(self.log_a) * self.h_max**self.gamma
            out[beyond] = edge * (h[beyond] / self.h_max) ** max(self.gamma, GROWTH_BEYOND_EVIDENCE)
        return out


def _kernel_quantiles(u: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Quantiles at _GRID of a Gaussian-kernel-smoothed weighted sample (Silverman bandwidth,
    at least 0.25 so that a handful of similar errors still gives a fan)."""
    if len(u) > 400:  # keep the cost fixed: 400 weighted order statistics stand in for the rest
        order = np.argsort(u)
        u, w = u[order], w[order]
        cw = np.cumsum(w) / w.sum()
        pick = np.searchsorted(cw, (np.arange(400) + 0.5) / 400)
        u, w = u[np.clip(pick, 0, len(u) - 1)], np.ones(400)
    w = w / w.sum()
    mean = float(w @ u)
    sd = float(np.sqrt(w @ (u - mean) ** 2))
    q75, q25 = np.quantile(u, [0.75, 0.25])
    spread = min(sd, (q75 - q25) / 1.349) if q75 > q25 else sd
    n_eff = 1.0 / float(w @ w)
    bw = max(0.9 * spread * n_eff**-0.2, 0.25)
    x = np.linspace(u.min() - 5 * bw, u.max() + 5 * bw, 1500)
    cdf = (ndtr((x[:, None] - u[None, :]) / bw) * w[None, :]).sum(axis=1)
    return np.interp(_GRID, cdf, x)


@dataclass
class Forecast:
    """A fitted forecaster: the chosen model, its backtest and its calibrated distribution."""

    model: str
    params: dict
    backtest: dict[str, float]  # model → backtest MASE over horizons 1…H (naive included)
    n_obs: int
    period: int
    transform: Transform
    cumulative: bool
    note: str
    horizon: int = 1
    _variant: _Variant | None = field(repr=False, default=None)
    _y: np.ndarray | None = field(repr=False, default=None)
    _season: np.ndarray | None = field(repr=False, default=None)
    _spread: _Spread | None = field(repr=False, default=None)
    _last: float = field(repr=False, default=0.0)
    seed: int = 0
    floor: float | None = None  # forecasts never go below it and never fall (see Forecaster)

    @property
    def mase(self) -> float | None:
        return self.backtest.get(self.model)

    @property
    def beats_naive(self) -> bool:
        naive = self.backtest.get("naive")
        return self.mase is not None and naive is not None and self.mase < naive

    def _point_z(self, steps: int) -> np.ndarray:
        """The chosen model's point forecast, on the scale of the calibrated errors."""
        y = self._y
        vt = self._variant.transform
        origin = np.array([len(y) - 1])
        point = self._variant.point(vt.forward(y), origin, steps, self.period, self._season)[0]
        point = self.transform.forward(vt.inverse(point + self._spread.bias_ahead(steps)))
        if self.floor is not None:
            floor = self.transform.forward(np.array([self.floor]))[0]
            point = np.maximum.accumulate(np.maximum(point, floor))
        return point

    def quantiles(self, steps: int, levels=_GRID) -> np.ndarray:
        """(len(levels), steps) quantiles of the forecast on the original scale."""
        point = self._point_z(steps)
        sigma = self._spread.sigma(steps)
        q = np.interp(np.asarray(levels, dtype=float), _GRID, self._spread.quantiles)
        zq = point[None, :] + q[:, None] * sigma[None, :]
        if self.floor is not None:
            floor = self.transform.forward(np.array([self.floor]))[0]
            zq = np.maximum.accumulate(np.maximum(zq, floor), axis=1)
        return self.transform.inverse(zq)

    def paths(self, steps: int, n: int = 2000) -> np.ndarray:
        """(n, steps) quantile paths on the original scale: path i follows the forecast's
        quantile (i + ½)/n at every step (rows shuffled by the seed). Their marginal
        distribution at each step is the calibrated one; running totals never decrease."""
        levels = (np.arange(n) + 0.5) / n
        rows = self.quantiles(steps, levels).copy()
        np.random.default_rng(self.seed).shuffle(rows, axis=0)
        return rows

    def forecast(self, steps: int, n: int = 2000) -> pl.DataFrame:
        """Point forecast (median) with 80 % and 95 % intervals, per step."""
        q = self.quantiles(steps, LEVELS)
        return pl.DataFrame(
            {
                "step": np.arange(1, steps + 1),
                "mean": q[2],
                "lo95": q[0],
                "lo80": q[1],
                "hi80": q[3],
                "hi95": q[4],
            }
        )

    def step_probabilities(self, target: float, steps: int, *, polarity: str = "higher", n=4000):
        """P(value at step s meets the target) for s = 1 … steps (polarity 'higher': ≥)."""
        levels = (np.arange(n) + 0.5) / n
        values = self.quantiles(steps, levels)
        hit = values >= target if polarity == "higher" else values <= target
        return hit.mean(axis=0)

    def probability(self, target: float, steps: int, *, polarity: str = "higher", n: int = 4000):
        """P(the value ``steps`` ahead meets the target) under the calibrated distribution."""
        return float(self.step_probabilities(target, steps, polarity=polarity, n=n)[-1])

    def expected_step(self, target: float, steps: int, *, polarity: str = "higher", n: int = 4000):
        """First step from which P(meeting the target) is ≥ ½ at every later step up to
        ``steps`` (None if there is none): consistent with :meth:`probability` — a step at or
        before a deadline is returned only if P(meet at the deadline) ≥ ½."""
        p = self.step_probabilities(target, steps, polarity=polarity, n=n)
        below = np.flatnonzero(p < 0.5)
        if len(below) == 0:
            return 1
        first = int(below[-1]) + 2
        return first if first <= steps else None


@dataclass
class CountForecast(Forecast):
    """A running total of events recognised in batches (:mod:`models.counts`): its quantiles are
    those of simulated compound-Poisson paths, whole numbers that never fall."""

    prior: counts.CountPrior | None = None
    _cache: dict = field(repr=False, default_factory=dict)

    def _simulated(self, steps: int) -> np.ndarray:
        if steps not in self._cache:
            self._cache[steps] = counts.simulate(
                self._y, steps, n=4000, seed=self.seed, prior=self.prior
            )
        return self._cache[steps]

    def quantiles(self, steps: int, levels=_GRID) -> np.ndarray:
        ordered = np.sort(self._simulated(steps), axis=0)
        n = ordered.shape[0]
        # the inverted empirical CDF: the smallest simulated value with at least q of paths ≤ it
        rank = np.ceil(np.clip(np.asarray(levels, dtype=float), 0.0, 1.0) * n).astype(int) - 1
        return ordered[np.clip(rank, 0, n - 1)]

    def step_probabilities(self, target: float, steps: int, *, polarity: str = "higher", n=4000):
        """The share of simulated paths meeting the target at each step."""
        paths = self._simulated(steps)
        hit = paths >= target if polarity == "higher" else paths <= target
        return hit.mean(axis=0)


class Forecaster:
    """Choose, fit and calibrate a forecasting model for one series by rolling-origin backtest
    at the horizon that will be asked for.

    Parameters (keyword-only)
    ----------
    period : int
        Season length (12 monthly, 4 quarterly, 1 annual).
    bounds : (lo, hi) or None
        Natural bounds of the indicator (a rate: (0, 100); a count: (0, None)).
    cumulative : bool
        The series never decreases (a running total); forecasts never fall below the last value.
    horizon : int
        Steps ahead the forecast is for (e.g. months to a deadline); the backtest scores and
        calibrates horizons 1 … horizon. Default: one season (12 monthly, 4 quarterly), 2 for
        annual series.
    origins : int or None
        Most recent backtest origins used (None: every origin with ≥ MIN_TRAIN observations).
    models : tuple of str
        Candidates (subset of ``MODELS``; ``naive`` is always evaluated as the benchmark).
    seed : int
        Seed of the order of simulated paths.
    """

    def __init__(
        self,
        *,
        period: int = 1,
        bounds: tuple[float | None, float | None] | None = None,
        cumulative: bool = False,
        horizon: int | None = None,
        origins: int | None = None,
        models: tuple[str, ...] = DEFAULT_MODELS,
        seed: int = 20210831,
        count_prior: counts.CountPrior | None = None,
        event_counts: bool | None = None,
    ):
        unknown = set(models) - set(MODELS)
        if unknown:
            raise ValueError(f"unknown models {sorted(unknown)}; choose from {MODELS}")
        if period < 1:
            raise ValueError(f"period must be ≥ 1, got {period}")
        if horizon is not None and horizon < 1:
            raise ValueError(f"horizon must be ≥ 1, got {horizon}")
        self.period = period
        self.bounds = (0.0, None) if cumulative and bounds is None else bounds
        self.transform = Transform.for_bounds(self.bounds)
        self.cumulative = cumulative
        self.horizon = horizon or (min(period, 12) if period > 1 else 2)
        self.origins = origins
        self.models = tuple(dict.fromkeys(("naive", *models)))
        self.seed = seed
        self.count_prior = count_prior
        # None: a monthly running total without an upper bound is modelled as event counts when
        # its values look like it (counts.is_event_count); True: the caller has decided (e.g. on
        # a longer series than the one it passes); False: never
        self.event_counts = event_counts

    # -- helpers --

    def _trim(self, y: np.ndarray) -> np.ndarray:
        """Drop a leading run at the lower bound (a programme not yet started), keeping its last
        point, so months of 0 % do not dominate the fit."""
        lo = self.transform.lo
        if lo is None:
            return y
        above = np.flatnonzero(y > lo)
        if len(above) == 0 or above[0] <= 1:
            return y
        return y[above[0] - 1 :]

    def _fallback(self, y: np.ndarray, note: str) -> Forecast:
        """Random walk with drift: slope (y_last − y_first)/(n − 1); spread from the step
        deviations (at least a tenth of the mean absolute step) growing like √h, widened
        for the few observations."""
        n = len(y)
        # a drift on the logit scale from a start near 0 % would explode: rates drift in points
        t = self.transform
        if t.kind == "logit":
            t = Transform("identity", t.lo, t.hi)
        z = t.forward(y)
        slope = (z[-1] - z[0]) / (n - 1)
        resid = np.diff(z) - slope
        sd = float(np.sqrt(np.mean(resid**2))) if n > 2 else 0.0
        sd = max(sd, 0.5 * abs(slope), self._min_step(t, y))
        quant = stdtrit(max(n - 1.0, 2.0), _GRID)
        spread = _Spread(np.log(sd), 0.5, quant, 0, drift_n=n)
        variant = _Variant("drift", t, False)
        fc = Forecast(
            model="drift",
            params={"slope": float(slope), "sigma": sd, "scale": t.kind},
            backtest={},
            n_obs=n,
            period=self.period,
            transform=t,
            cumulative=self.cumulative,
            note=note,
            horizon=self.horizon,
            _variant=variant,
            _y=y,
            _season=None,
            _spread=spread,
            _last=float(y[-1]),
            seed=self.seed,
            floor=self._floor(y),
        )
        return fc

    def _counts_apply(self, y: np.ndarray) -> bool:
        """Whether the compound-Poisson count model fits this series: monthly, a running
        total, no upper bound, and (unless the caller decided) whole numbers that often stay."""
        bounded = self.bounds is not None and self.bounds[1] is not None
        if not self.cumulative or self.period != 1 or bounded or self.event_counts is False:
            return False
        return bool(self.event_counts) or counts.is_event_count(y)

    def _fit_counts(self, y: np.ndarray) -> CountForecast:
        """The compound-Poisson model of :mod:`models.counts` for a staircase running total."""
        batches, months, sizes = counts.window_evidence(y)
        pooled = self.count_prior is not None and self.count_prior.months > 0
        mase, naive = counts.backtest_mase(
            y, self.horizon, prior=self.count_prior, first=MIN_TRAIN - 1
        )
        checked = (
            f"回测 MASE {mase:.2f}，朴素预测 {naive:.2f}；" if mase is not None else "未做回测；"
        )
        note = (
            f"成批认定的累计数（近 {months} 个月中 {batches} 个月有新增）：{checked}"
            "按复合泊松过程模拟，批次频率的不确定性计入区间"
            + ("，并借鉴同类地区的批次频率（经验贝叶斯）" if pooled else "")
            + "；区间为模拟分位数。"
        )
        backtest = {} if mase is None else {"counts": mase, "naive": naive}
        return CountForecast(
            model="counts",
            params={
                "window_months": months,
                "window_batches": batches,
                "mean_batch_size": float(np.mean(sizes)) if len(sizes) else None,
                "pooled_prior": (
                    {"batches": self.count_prior.batches, "months": self.count_prior.months}
                    if pooled
                    else None
                ),
            },
            backtest=backtest,
            n_obs=len(y),
            period=self.period,
            transform=Transform("identity", 0.0, None),
            cumulative=True,
            note=note,
            horizon=self.horizon,
            _y=y,
            _last=float(y[-1]),
            seed=self.seed,
            floor=float(y[-1]),
            prior=self.count_prior,
        )

    @staticmethod
    def _min_step(t: Transform, y: np.ndarray) -> float:
        """The smallest step spread assumed for a series too short or too flat to show its
        own: 1 % of the range for a bounded rate, 10 % for a count on the log scale, 0.1 % of
        the level otherwise."""
        if t.lo is not None and t.hi is not None and t.kind == "identity":
            return 0.01 * (t.hi - t.lo)
        if t.kind == "log1p":
            return 0.1
        if t.kind == "logit":
            return 0.05
        return 1e-3 * max(float(np.max(np.abs(y))), 1.0)

    def _floor(self, y: np.ndarray) -> float | None:
        """A running total never falls below its last value. A rate (bounded on both sides)
        whose falls make up at most a fifth of its movement (e.g. a completion rate) is given
        the floor of its last value less its largest single fall so far; either way the
        forecast's quantile paths do not fall."""
        if self.cumulative:
            return float(y[-1])
        if self.transform.kind == "logit" and len(y) >= MIN_BACKTEST:
            steps = np.diff(y)
            moved = np.abs(steps).sum()
            if moved > 0 and np.maximum(-steps, 0).sum() <= RARELY_FALLS * moved:
                return float(y[-1] - max(0.0, -steps.min()))
        return None

    def _error_transform(self) -> Transform:
        """The scale the backtest errors are measured on: percentage points for a rate (a
        logit error shrinks to nothing near the bounds, where targets sit), the log scale for a
        quantity bounded below (errors grow with the level), the raw scale otherwise."""
        t = self.transform
        if t.kind == "logit":
            return Transform("identity", t.lo, t.hi)
        return t

    def _variants(self, n_train_first: int, y: np.ndarray) -> list[_Variant]:
        seasonal = self.period > 1 and n_train_first >= 2 * self.period
        out = []
        scales = Transform.candidates(self.bounds)
        if scales[0].kind == "logit" and np.any((y[1:] <= scales[0].lo) | (y[1:] >= scales[0].hi)):
            # a logistic model says the rate never reaches its bounds; this one does
            scales = scales[1:]
        for transform in scales:
            for name in self.models:
                out.append(_Variant(name, transform, False))
                if seasonal:
                    out.append(_Variant(name, transform, True))
        return out

    # -- the fit --

    def fit(self, values) -> Forecast:
        """Backtest the candidates at horizons 1…H, keep the best, calibrate its spread."""
        y_all = np.asarray([v for v in values if v is not None and v == v], dtype=float)
        if len(y_all) < 2:
            raise ValueError(f"need at least 2 observations, got {len(y_all)}")
        if self._counts_apply(y_all):
            return self._fit_counts(y_all)
        y = self._trim(y_all)
        n, m, h = len(y), self.period, self.horizon
        if np.ptp(y) == 0:
            fc = self._fallback(
                y,
                "序列尚无变化（全部观测相同），无从外推趋势：按最小波动给出较宽区间。",
            )
            fc.n_obs = len(y_all)
            return fc
        if n < MIN_BACKTEST:
            fc = self._fallback(
                y if n >= 2 else y_all,
                f"序列过短（有效观测 {n} 个，少于 {MIN_BACKTEST} 个），未做回测，"
                "采用带漂移的朴素预测，区间较宽。",
            )
            fc.n_obs = len(y_all)
            return fc
        origins = np.arange(MIN_TRAIN - 1, n - 1)
        if self.origins:
            origins = origins[-self.origins :]
        first = int(origins[0]) + 1
        scale = mase_scale(y[:first], m) if first > m + 1 else mase_scale(y, m)
        # actual values ahead of each origin (NaN past the end)
        ahead_idx = origins[:, None] + np.arange(1, h + 1)[None, :]
        valid = ahead_idx < n
        actual = np.where(valid, y[np.minimum(ahead_idx, n - 1)], np.nan)
        scores: dict[_Variant, float] = {}
        season_cache: dict[Transform, np.ndarray | None] = {}
        forecasts: dict[_Variant, np.ndarray] = {}
        half_life = max(MIN_HALF_LIFE, HALF_LIFE_PER_STEP * h)
        memo: dict[tuple, np.ndarray] = {}
        for variant in self._variants(first, y):
            t = variant.transform
            z = t.forward(y)
            if variant.seasonal and t not in season_cache:
                season_cache[t] = _seasonal_indices(z[:first], m)
            idx = season_cache.get(t) if variant.seasonal else None
            zhat = variant.point(z, origins, h, m, idx, memo=memo)
            if self.cumulative:
                zhat = np.maximum.accumulate(np.maximum(zhat, z[origins][:, None]), axis=1)
            pred = t.inverse(zhat)
            if not np.all(np.isfinite(pred)):
                continue
            err = np.abs(pred - actual) / scale
            # each origin's mean scaled error over the horizons it can be checked at, then a
            # recency-weighted mean over origins
            okm = np.isfinite(err)
            per_o = np.where(okm, err, 0.0).sum(axis=1) / np.maximum(okm.sum(axis=1), 1)
            sw = 0.5 ** ((origins[-1] - origins) / half_life) * okm.any(axis=1)
            scores[variant] = float(per_o @ sw / sw.sum())
            forecasts[variant] = zhat
        chosen = min(scores, key=lambda v: (scores[v], v.name == "naive"))
        combos = [v for v in scores if v.name == "combo"]
        if combos:
            # combinations are more robust than the single model that won a backtest (which
            # is partly luck): keep the combination unless a single model is clearly better
            best_combo = min(combos, key=lambda v: scores[v])
            if scores[chosen] >= PREFER_COMBINATION * scores[best_combo]:
                chosen = best_combo
        backtest: dict[str, float] = {}
        for variant, score in scores.items():
            if variant.name not in backtest or score < backtest[variant.name]:
                backtest[variant.name] = score
        # bias: the chosen model's recent median error per horizon, on its own scale
        vt = chosen.transform
        zv = vt.forward(y)
        zv_actual = np.where(valid, zv[np.minimum(ahead_idx, n - 1)], np.nan)
        zhat = forecasts[chosen]
        bias = _horizon_bias(zv_actual - zhat, half_life)
        corrected = zhat + bias[None, :]
        if self.cumulative:
            corrected = np.maximum.accumulate(np.maximum(corrected, zv[origins][:, None]), axis=1)
        # spread: errors of the corrected backtest forecasts on the error scale
        t = self._error_transform()
        z = t.forward(y)
        z_actual = np.where(valid, z[np.minimum(ahead_idx, n - 1)], np.nan)
        errors = z_actual - t.forward(vt.inverse(corrected))
        spread = self._calibrate(errors, origins)
        spread.bias = bias
        vz = chosen.transform.forward(y)
        season = _seasonal_indices(vz, m) if chosen.seasonal else None
        mase = scores[chosen]
        naive = backtest.get("naive")
        scale_label = SCALE_LABELS[chosen.transform.kind]
        if chosen.name == "naive":
            note = (
                f"回测（{len(origins)} 个起点，1–{h} 步）MASE {mase:.2f}："
                "候选模型均未优于朴素预测，采用朴素预测；区间按回测误差校准。"
            )
        else:
            note = (
                f"回测（{len(origins)} 个起点，1–{h} 步）MASE {mase:.2f}，朴素预测 {naive:.2f}；"
                f"{MODEL_LABELS[chosen.name]}（{scale_label}"
                f"{'，季节调整' if chosen.seasonal else ''}）；区间按回测误差校准。"
            )
        params = {
            "scale": chosen.transform.kind,
            "error_scale": t.kind,
            "seasonal_adjustment": chosen.seasonal,
            "horizon": h,
            "origins": len(origins),
            "sigma_1": float(np.exp(spread.log_a)),
            "sigma_growth": spread.gamma,
            "calibration_errors": spread.n_errors,
        }
        return Forecast(
            model=chosen.name,
            params=params,
            backtest=backtest,
            n_obs=len(y_all),
            period=m,
            transform=t,
            cumulative=self.cumulative,
            note=note,
            horizon=h,
            _variant=chosen,
            _y=y,
            _season=season,
            _spread=spread,
            _last=float(y[-1]),
            seed=self.seed,
            floor=self._floor(y),
        )

    def _calibrate(self, errors: np.ndarray, origins: np.ndarray) -> _Spread:
        """Fit sₕ = exp(a)·h^γ to recency-weighted RMS errors per horizon; pool the standardized
        errors into a kernel-smoothed quantile function."""
        n_o, h = errors.shape
        half_life = max(MIN_HALF_LIFE, HALF_LIFE_PER_STEP * h)
        age = origins[-1] - origins
        w = 0.5 ** (age / half_life)
        ok = np.isfinite(errors)
        wts = np.where(ok, w[:, None], 0.0)
        e2 = np.where(ok, errors**2, 0.0)
        counts = ok.sum(axis=0)
        usable = counts >= 2
        wsum = wts.sum(axis=0)
        rms = np.sqrt(np.where(wsum > 0, (wts * e2).sum(axis=0) / np.where(wsum > 0, wsum, 1), 0))
        hs = np.arange(1, h + 1, dtype=float)
        floor = (
            1e-6 + 1e-3 * float(np.nanmax(np.abs(errors))) if np.isfinite(errors).any() else 1e-6
        )
        keep = usable & (rms > 0)
        if keep.sum() >= 2:
            x, yv, cw = np.log(hs[keep]), np.log(rms[keep]), counts[keep].astype(float)
            xm, ym = np.average(x, weights=cw), np.average(yv, weights=cw)
            den = np.average((x - xm) ** 2, weights=cw)
            gamma = float(np.average((x - xm) * (yv - ym), weights=cw) / den) if den > 0 else 0.5
            gamma = float(np.clip(gamma, 0.5, 1.5))
            log_a = float(ym - gamma * xm)
        elif keep.sum() == 1:
            gamma = 0.5
            log_a = float(np.log(rms[keep][0]) - gamma * np.log(hs[keep][0]))
        else:
            gamma, log_a = 0.5, float(np.log(floor))
        log_a = max(log_a, float(np.log(floor)))
        sigma = np.exp(log_a) * hs**gamma
        u = (errors / sigma[None, :])[ok]
        uw = wts[ok]
        if len(u) < 2:
            quant = ndtri(_GRID) * 1.5
        else:
            quant = _kernel_quantiles(u, uw)
            # the spread is estimated from the errors of n_eff (weighted) origins: widen the
            # quantiles as a Student-t prediction interval would, by t_ν(q)/z(q) · √(1 + 1/n_eff)
            wo = w[ok.any(axis=1)]
            n_eff = float(wo.sum() ** 2 / (wo**2).sum())
            ratio = stdtrit(max(n_eff - 1.0, 1.0), _GRID) / ndtri(_GRID)
            quant = quant * np.where(np.isfinite(ratio), ratio, 1.0) * np.sqrt(1.0 + 1.0 / n_eff)
        evidence = np.flatnonzero(counts >= 3)
        h_max = int(evidence[-1] + 1) if len(evidence) else 1
        return _Spread(log_a, gamma, quant, int(ok.sum()), h_max=h_max)
