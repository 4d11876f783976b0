"""Forecast an indicator series and say how good the forecast is.

:class:`Forecaster` fits candidate statsmodels models to one series and picks the one with the
lowest rolling-origin backtest MASE, next to the naive (or seasonal-naive) benchmark:

* ``ets``       ETS, auto-selected by AICc over error/trend/damping/seasonality
                (``statsmodels.tsa.exponential_smoothing.ets.ETSModel``);
* ``damped``    additive damped-trend exponential smoothing;
* ``arima``     ARIMA(1,1,0) with drift, seasonal (0,1,1)ₘ when there are ≥ 3 seasons
                (``SARIMAX``);
* ``theta``     the Theta method (``statsmodels.tsa.forecasting.theta.ThetaModel``);
* ``naive``     last value (seasonal naive when the series is seasonal) — the benchmark, and the
                fallback when nothing beats it or the series is too short to test anything.

The nature of the indicator is respected through a transform: a rate bounded in [lo, hi] is
modelled on the logit scale of (y − lo)/(hi − lo), so forecasts and intervals stay inside the
bounds; a non-negative count on log(1 + y); a cumulative count is modelled through its
non-negative increments and summed back, so it never decreases.

MASE (Hyndman & Koehler 2006) = mean |error| ÷ mean in-sample |yₜ − yₜ₋ₘ| (m = 1, or the season
length for seasonal series). Below 1 the model beats the naive benchmark.

Prediction intervals (80 % and 95 %) and the probability of reaching a target come from
simulated paths of the chosen model (``simulate``), transformed back to the original scale.

Usage::

    fc = Forecaster(period=12, bounds=(0, 100)).fit(values)
    fc.forecast(12)       # frame: step, mean, lo80, hi80, lo95, hi95
    fc.probability(80, steps=18, polarity="higher")
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import polars as pl

MODELS = ("ets", "damped", "arima", "theta", "naive")
MODEL_LABELS = {
    "ets": "ETS 指数平滑（AICc 自动选择）",
    "damped": "阻尼趋势指数平滑",
    "arima": "ARIMA(1,1,0)+漂移",
    "theta": "Theta 法",
    "naive": "朴素预测（基准）",
    "drift": "带漂移的朴素预测（序列过短）",
}
MIN_BACKTEST = 8  # fewer observations than this: no backtest, drift fallback
EPS = 1e-4


# --- transforms --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Transform:
    """Maps the series to an unbounded modelling scale and back.

    ``logit``: z = log(u / (1 − u)), u = (y − lo)/(hi − lo) clipped to [ε, 1 − ε];
    ``log1p``: z = log(1 + y − lo) for series bounded below only; ``identity`` otherwise.
    """

    kind: str
    lo: float | None = None
    hi: float | None = None

    @classmethod
    def for_bounds(cls, bounds: tuple[float | None, float | None] | None) -> Transform:
        lo, hi = bounds or (None, None)
        if lo is not None and hi is not None:
            return cls("logit", float(lo), float(hi))
        if lo is not None:
            return cls("log1p", float(lo), None)
        return cls("identity")

    def forward(self, y: np.ndarray) -> np.ndarray:
        y = np.asarray(y, dtype=float)
        if self.kind == "logit":
            u = np.clip((y - self.lo) / (self.hi - self.lo), EPS, 1 - EPS)
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
        return z


# --- candidate models --------------------------------------------------------------------------


@dataclass
class _Fitted:
    """A fitted candidate on the modelling scale: point forecasts and simulated paths."""

    name: str
    params: dict
    _forecast: object
    _simulate: object

    def forecast(self, h: int) -> np.ndarray:
        return np.asarray(self._forecast(h), dtype=float)

    def simulate(self, h: int, n: int, rng: np.random.Generator) -> np.ndarray:
        """(n, h) paths on the modelling scale."""
        return np.asarray(self._simulate(h, n, rng), dtype=float)


def _gaussian_paths(mean: np.ndarray, sd: np.ndarray, n: int, rng) -> np.ndarray:
    """Paths around ``mean`` whose step-h spread is ``sd[h]``, built from independent
    increments (variance sd[h]² − sd[h−1]²), so a path wanders like a real series instead of
    jumping independently from step to step (which would distort first-passage dates)."""
    var = np.maximum.accumulate(np.asarray(sd, dtype=float) ** 2)
    steps = np.sqrt(np.diff(var, prepend=0.0))
    noise = np.cumsum(steps[None, :] * rng.standard_normal((n, len(mean))), axis=1)
    return mean[None, :] + noise


def _fit_naive(z: np.ndarray, m: int) -> _Fitted:
    lag = m if m > 1 and len(z) > m else 1
    diffs = z[lag:] - z[:-lag]
    sd = float(np.std(diffs, ddof=1)) if len(diffs) > 1 else 0.0

    def forecast(h):
        return np.array([z[len(z) - lag + (i % lag)] for i in range(h)])

    def simulate(h, n, rng):
        steps = np.arange(1, h + 1)
        k = np.ceil(steps / lag)
        return _gaussian_paths(forecast(h), sd * np.sqrt(k), n, rng)

    return _Fitted("naive", {"lag": lag, "sigma": sd}, forecast, simulate)


def _fit_drift(z: np.ndarray, m: int) -> _Fitted:
    n = len(z)
    slope = (z[-1] - z[0]) / (n - 1) if n > 1 else 0.0
    resid = np.diff(z) - slope if n > 2 else np.array([0.0])
    sd = float(np.std(resid, ddof=1)) if len(resid) > 1 else abs(slope) * 0.5

    def forecast(h):
        return z[-1] + slope * np.arange(1, h + 1)

    def simulate(h, n_paths, rng):
        steps = np.arange(1, h + 1)
        return _gaussian_paths(forecast(h), sd * np.sqrt(steps), n_paths, rng)

    return _Fitted("drift", {"slope": slope, "sigma": sd}, forecast, simulate)


def _ets_configs(n: int, m: int):
    seasonal = [None] + (["add"] if m > 1 and n >= 2 * m + 2 else [])
    for trend, damped in ((None, False), ("add", False), ("add", True)):
        for season in seasonal:
            yield trend, damped, season


def _fit_ets(z: np.ndarray, m: int, *, damped_only: bool = False) -> _Fitted:
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel

    best, best_crit, best_cfg = None, np.inf, None
    configs = [("add", True, None)] if damped_only else list(_ets_configs(len(z), m))
    for trend, damped, season in configs:
        model = ETSModel(
            z,
            error="add",
            trend=trend,
            damped_trend=damped,
            seasonal=season,
            seasonal_periods=m if season else None,
        )
        res = model.fit(disp=False, maxiter=200)
        crit = res.aicc if np.isfinite(res.aicc) else res.aic
        if crit < best_crit:
            best, best_crit, best_cfg = res, crit, (trend, damped, season)
    if best is None:
        raise ValueError("ETS did not fit")
    res = best
    trend, damped, season = best_cfg

    def simulate(h, n, rng):
        sims = res.simulate(h, repetitions=n, anchor="end", rng=rng)
        return np.asarray(sims).reshape(h, n).T

    params = {
        "trend": trend or "none",
        "damped": damped,
        "seasonal": season or "none",
        "aicc": float(best_crit),
    }
    return _Fitted("damped" if damped_only else "ets", params, res.forecast, simulate)


def _fit_arima(z: np.ndarray, m: int) -> _Fitted:
    from statsmodels.tsa.statespace.sarimax import SARIMAX

    seasonal = (0, 1, 1, m) if m > 1 and len(z) >= 3 * m else (0, 0, 0, 0)
    # with d = 1, SARIMAX's constant "c" is the drift (its "t" would be a quadratic trend)
    model = SARIMAX(
        z, order=(1, 1, 0), seasonal_order=seasonal, trend="c" if seasonal[1] == 0 else None
    )
    res = model.fit(disp=False)

    def simulate(h, n, rng):
        sims = res.simulate(h, repetitions=n, anchor="end", rng=rng)
        return np.asarray(sims).reshape(h, n).T

    params = {"order": [1, 1, 0], "seasonal_order": list(seasonal), "aic": float(res.aic)}
    return _Fitted("arima", params, res.forecast, simulate)


def _fit_theta(z: np.ndarray, m: int) -> _Fitted:
    from statsmodels.tsa.forecasting.theta import ThetaModel

    deseason = m > 1 and len(z) >= 2 * m
    res = ThetaModel(z, period=m if deseason else 1, deseasonalize=deseason).fit()

    def simulate(h, n, rng):
        mean = np.asarray(res.forecast(h), dtype=float)
        pi = np.asarray(res.prediction_intervals(h, alpha=0.05), dtype=float)
        sd = (pi[:, 1] - pi[:, 0]) / (2 * 1.959964)
        return _gaussian_paths(mean, sd, n, rng)

    params = {"theta": 2.0, "deseasonalized": deseason}
    return _Fitted("theta", params, res.forecast, simulate)


FITTERS = {
    "ets": _fit_ets,
    "damped": lambda z, m: _fit_ets(z, m, damped_only=True),
    "arima": _fit_arima,
    "theta": _fit_theta,
    "naive": _fit_naive,
}


# --- the forecaster ----------------------------------------------------------------------------


def mase_scale(y: np.ndarray, m: int) -> float:
    """Mean absolute (seasonal) naive in-sample error: the MASE denominator."""
    lag = m if m > 1 and len(y) > m else 1
    diffs = np.abs(y[lag:] - y[:-lag])
    scale = float(np.mean(diffs)) if len(diffs) else 0.0
    return scale if scale > 0 else 1.0


@dataclass
class Forecast:
    """A fitted forecaster: the chosen model, its backtest and its predictive distribution."""

    model: str
    params: dict
    backtest: dict[str, float]  # model → MASE (lower is better; naive included)
    n_obs: int
    period: int
    transform: Transform
    cumulative: bool
    note: str
    _fitted: _Fitted = field(repr=False)
    _last: float = field(repr=False, default=0.0)
    seed: int = 0

    @property
    def mase(self) -> float | None:
        return self.backtest.get(self.model)

    @property
    def beats_naive(self) -> bool:
        naive = self.backtest.get("naive")
        return self.mase is not None and naive is not None and self.mase < naive

    def _to_levels(self, z_paths: np.ndarray) -> np.ndarray:
        values = self.transform.inverse(z_paths)
        if self.cumulative:
            return self._last + np.cumsum(np.maximum(values, 0.0), axis=-1)
        return values

    def paths(self, steps: int, n: int = 2000) -> np.ndarray:
        """(n, steps) simulated future values on the original scale."""
        rng = np.random.default_rng(self.seed)
        return self._to_levels(self._fitted.simulate(steps, n, rng))

    def forecast(self, steps: int, n: int = 2000) -> pl.DataFrame:
        """Point forecast (median of the paths) with 80 % and 95 % intervals, per step."""
        sims = self.paths(steps, n)
        point = self._to_levels(self._fitted.forecast(steps)[None, :])[0]
        q = np.quantile(sims, [0.025, 0.1, 0.9, 0.975], axis=0)
        return pl.DataFrame(
            {
                "step": np.arange(1, steps + 1),
                "mean": point,
                "lo95": q[0],
                "lo80": q[1],
                "hi80": q[2],
                "hi95": q[3],
            }
        )

    def probability(self, target: float, steps: int, *, polarity: str = "higher", n: int = 4000):
        """P(value at ``steps`` ahead meets the target), from simulated paths."""
        sims = self.paths(steps, n)[:, -1]
        hit = sims >= target if polarity == "higher" else sims <= target
        return float(np.mean(hit))

    def expected_step(self, target: float, steps: int, *, polarity: str = "higher", n: int = 4000):
        """Median first step at which a path meets the target (None if most paths never do)."""
        sims = self.paths(steps, n)
        hit = sims >= target if polarity == "higher" else sims <= target
        first = np.where(hit.any(axis=1), hit.argmax(axis=1) + 1, np.inf)
        median = float(np.median(first))
        return None if not np.isfinite(median) else int(median)


class Forecaster:
    """Choose and fit a forecasting model for one series by rolling-origin backtest.

    Parameters (keyword-only)
    ----------
    period : int
        Season length (12 monthly, 4 quarterly, 1 annual).
    bounds : (lo, hi) or None
        Natural bounds of the indicator (a rate: (0, 100); a count: (0, None)).
    cumulative : bool
        The series never decreases (a running count); modelled through its increments.
    horizon : int
        Steps ahead evaluated at each backtest origin.
    origins : int
        Number of rolling origins.
    models : tuple of str
        Candidates (subset of ``MODELS``; ``naive`` is always evaluated as the benchmark).
    seed : int
        Seed of the simulated paths.
    """

    def __init__(
        self,
        *,
        period: int = 1,
        bounds: tuple[float | None, float | None] | None = None,
        cumulative: bool = False,
        horizon: int | None = None,
        origins: int = 3,
        models: tuple[str, ...] = MODELS,
        seed: int = 20210831,
    ):
        unknown = set(models) - set(MODELS)
        if unknown:
            raise ValueError(f"unknown models {sorted(unknown)}; choose from {MODELS}")
        if period < 1:
            raise ValueError(f"period must be ≥ 1, got {period}")
        self.period = period
        self.transform = Transform.for_bounds((0.0, None) if cumulative else bounds)
        self.cumulative = cumulative
        self.horizon = horizon or max(1, min(period, 6) if period > 1 else 2)
        self.origins = origins
        self.models = tuple(dict.fromkeys((*models, "naive")))
        self.seed = seed

    def _prepare(self, y: np.ndarray) -> tuple[np.ndarray, float]:
        if self.cumulative:
            return np.maximum(np.diff(y), 0.0), float(y[-1])
        return y, float(y[-1])

    def _backtest(self, y: np.ndarray) -> dict[str, float]:
        n, h, m = len(y), self.horizon, self.period
        scale = mase_scale(y, m)
        min_train = max(MIN_BACKTEST - 2, 2 * m if m > 1 else 4)
        origins = [n - h * i for i in range(self.origins, 0, -1) if n - h * i >= min_train]
        scores: dict[str, list[float]] = {name: [] for name in self.models}
        for origin in origins:
            train, test = y[:origin], y[origin : origin + h]
            base, last = self._prepare(train)
            z = self.transform.forward(base)
            for name in self.models:
                try:
                    with warnings.catch_warnings():
                        warnings.simplefilter("ignore")
                        fitted = FITTERS[name](z, m)
                        pred = self.transform.inverse(fitted.forecast(len(test)))
                except Exception:  # noqa: BLE001 — a candidate that cannot fit is skipped
                    continue
                if self.cumulative:
                    pred = last + np.cumsum(np.maximum(pred, 0.0))
                if np.all(np.isfinite(pred)):
                    scores[name].append(float(np.mean(np.abs(pred - test)) / scale))
        return {k: float(np.mean(v)) for k, v in scores.items() if v}

    def fit(self, values) -> Forecast:
        """Backtest the candidates, refit the best on the whole series, return a Forecast."""
        y = np.asarray([v for v in values if v is not None and v == v], dtype=float)
        if len(y) < 2:
            raise ValueError(f"need at least 2 observations, got {len(y)}")
        base, last = self._prepare(y)
        z = self.transform.forward(base)
        if len(y) < MIN_BACKTEST:
            return Forecast(
                model="drift",
                params=_fit_drift(z, self.period).params,
                backtest={},
                n_obs=len(y),
                period=self.period,
                transform=self.transform,
                cumulative=self.cumulative,
                note=f"序列过短（{len(y)} 个观测，少于 {MIN_BACKTEST} 个），未做回测，"
                "采用带漂移的朴素预测，区间较宽。",
                _fitted=_fit_drift(z, self.period),
                _last=last,
                seed=self.seed,
            )
        scores = self._backtest(y)
        ranked = sorted(scores, key=lambda k: scores[k])
        chosen = ranked[0] if ranked else "naive"
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                fitted = FITTERS[chosen](z, self.period)
            except Exception:  # noqa: BLE001
                chosen, fitted = "naive", _fit_naive(z, self.period)
        naive = scores.get("naive")
        mase = scores.get(chosen)
        if mase is None:
            note = "回测不可用，采用朴素预测。"
        elif chosen == "naive":
            note = f"回测 MASE {mase:.2f}：候选模型均未优于朴素预测，采用朴素预测。"
        else:
            note = f"回测 MASE {mase:.2f}，朴素预测 {naive:.2f}，优于朴素预测。"
        return Forecast(
            model=chosen,
            params=fitted.params,
            backtest=scores,
            n_obs=len(y),
            period=self.period,
            transform=self.transform,
            cumulative=self.cumulative,
            note=note,
            _fitted=fitted,
            _last=last,
            seed=self.seed,
        )
