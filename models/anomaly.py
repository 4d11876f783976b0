"""Find anomalies in a regular (monthly, quarterly, annual) series: level shifts and spikes.

**Level shifts** (a stalled programme, a lasting surge) are found first. For every split point t
the trimmed mean of the next season (12 months) minus that of the previous season, net of the
series' drift, is divided by its standard error under noise. Whole-season windows cancel the
seasonal pattern; trimming the largest and smallest value keeps a lone spike from looking like a
shift; the drift is the median seasonal difference per step; the noise σ is the MAD of the
seasonal differences (÷ √2). A local peak of |score| ≥ ``shift_threshold`` is a shift.

**Spikes** are then searched in the series corrected for the shifts: STL decomposition
(Cleveland et al. 1990; ``statsmodels.tsa.seasonal.STL`` with a near-periodic seasonal
smoother) gives the expected value (trend + season); each remainder r gets a robust z-score
z = (r − median r) / σ, σ the noise scale from the MAD of the month-to-month changes of the
deseasonalised series (÷ √2); the most extreme |z| ≥ ``z_threshold`` (default 4) is flagged, replaced by its expected value and the fit repeated, so a spike
never leaks into the seasonal pattern of the same month in other years. (STL's own
``robust=True`` is not used: it fits half the points almost exactly and pushes ordinary noise
into the rest, which then looks anomalous.)

Each finding has the position, the value, the expected value, the size (value − expected), the
direction (上升/下降) and the score.
"""

from __future__ import annotations

import numpy as np
import polars as pl

MAD_TO_SD = 1.4826


def robust_z(x: np.ndarray) -> np.ndarray:
    """(x − median) / (1.4826 · MAD); the MAD falls back to the standard deviation when 0."""
    med = np.median(x)
    mad = MAD_TO_SD * np.median(np.abs(x - med))
    if mad == 0:
        mad = np.std(x) or 1.0
    return (x - med) / mad


def _fit_expected(y: np.ndarray, period: int) -> tuple[np.ndarray, float]:
    """(trend + season, noise σ). STL with a near-periodic seasonal smoother, or a rolling
    median for short or non-seasonal series. σ = MAD of the month-to-month changes of the
    deseasonalised series ÷ √2 — not the MAD of the remainder, which STL shrinks (its smoothers
    absorb part of the noise) and which would make ordinary months look extreme."""
    if period > 1 and len(y) >= 2 * period + 1:
        from statsmodels.tsa.seasonal import STL

        seasonal_window = max(7, 2 * (len(y) // period) + 1)
        fit = STL(y, period=period, seasonal=seasonal_window, robust=False).fit()
        expected, season = np.asarray(fit.trend + fit.seasonal), np.asarray(fit.seasonal)
    else:
        half = 2
        padded = np.pad(y, half, mode="edge")
        expected = np.array([np.median(padded[i : i + 2 * half + 1]) for i in range(len(y))])
        season = np.zeros_like(y)
    steps = np.diff(y - season)
    sigma = MAD_TO_SD * float(np.median(np.abs(steps - np.median(steps)))) / np.sqrt(2)
    return expected, sigma or float(np.std(steps)) or 1.0


def _trimmed_mean(x: np.ndarray) -> float:
    """Mean without the single largest and smallest value (a lone spike cannot move it)."""
    x = np.sort(x)
    return float(np.mean(x[1:-1])) if len(x) > 4 else float(np.mean(x))


def _trimmed_means(y: np.ndarray, window: int) -> np.ndarray:
    """:func:`_trimmed_mean` of every run of ``window`` consecutive values (index = start)."""
    runs = np.sort(np.lib.stride_tricks.sliding_window_view(y, window), axis=1)
    return runs[:, 1:-1].mean(axis=1) if window > 4 else runs.mean(axis=1)


def level_shifts(
    y: np.ndarray, *, window: int, threshold: float
) -> list[tuple[int, float, float, float]]:
    """(position, level before, level after, score) of each level shift (see module doc)."""
    n = len(y)
    if n < 2 * window + 1:
        return []
    sdiff = y[window:] - y[:-window]
    drift = float(np.median(sdiff)) / window
    sigma = MAD_TO_SD * float(np.median(np.abs(sdiff - np.median(sdiff)))) / np.sqrt(2)
    if sigma == 0:
        sigma = float(np.std(sdiff)) / np.sqrt(2) or 1.0
    se = sigma * np.sqrt(2 / window)
    means = _trimmed_means(np.asarray(y, dtype=float), window)  # means[t] = y[t : t + window]
    scores = np.zeros(n)
    t = np.arange(window, n - window + 1)
    scores[t] = (means[t] - means[t - window] - drift * window) / se
    found: list[tuple[int, float, float, float]] = []
    for t in range(window, n - window + 1):
        s = scores[t]
        if abs(s) < threshold:
            continue
        lo, hi = max(window, t - window), min(n - window, t + window)
        if abs(s) < np.max(np.abs(scores[lo : hi + 1])):
            continue  # not the peak of this shift
        if any(abs(t - f[0]) < window for f in found):
            continue  # the same shift (equal scores on a plateau)
        before = float(means[t - window]) + drift * window / 2
        after = float(means[t]) - drift * window / 2
        found.append((t, before, after, float(s)))
    return found


def _spikes(
    y: np.ndarray, *, period: int, threshold: float, max_spikes: int = 12
) -> tuple[list[tuple[int, float, float]], np.ndarray]:
    """The spikes (see :func:`spikes`) and the expected value (trend + season) of every
    position from the final fit."""
    clean = y.astype(float).copy()
    flagged: list[int] = []
    z = np.zeros(len(y))
    expected = clean
    for _ in range(max_spikes + 1):
        expected, sigma = _fit_expected(clean, period)
        for _refine in range(3 if flagged else 0):
            # a flagged month's stand-in converges to what its neighbours and season imply
            clean[flagged] = expected[flagged]
            expected, sigma = _fit_expected(clean, period)
        r = y - expected
        keep = np.ones(len(y), bool)
        keep[flagged] = False
        z = (r - float(np.median(r[keep]))) / sigma
        free = np.where(keep, np.abs(z), 0.0)
        worst = int(np.argmax(free))
        if free[worst] < threshold or len(flagged) >= max_spikes:
            break
        flagged.append(worst)
        clean[worst] = expected[worst]
    return [(i, float(expected[i]), float(z[i])) for i in sorted(flagged)], np.asarray(expected)


def spikes(
    y: np.ndarray, *, period: int, threshold: float, max_spikes: int = 12
) -> list[tuple[int, float, float]]:
    """(position, expected, z) of each spike, flagged one at a time (see module doc)."""
    return _spikes(y, period=period, threshold=threshold, max_spikes=max_spikes)[0]


def decompose(
    values,
    *,
    period: int = 12,
    z_threshold: float = 4.0,
    shift_threshold: float = 6.0,
    labels: list[str] | None = None,
) -> tuple[pl.DataFrame, np.ndarray]:
    """:func:`detect`'s findings and the expected value of every position: the final fit's
    trend + season with the level shifts found put back — what the month would have been
    without a spike. One definition of "expected" for every table that shows one (``nan``
    for series too short to fit)."""
    rows, expected = findings(
        values,
        period=period,
        z_threshold=z_threshold,
        shift_threshold=shift_threshold,
        labels=labels,
    )
    return _frame(rows), expected


def findings(
    values,
    *,
    period: int = 12,
    z_threshold: float = 4.0,
    shift_threshold: float = 6.0,
    labels: list[str] | None = None,
) -> tuple[list[dict], np.ndarray]:
    """:func:`decompose` with the findings as a list of dicts (the columns of :func:`detect`),
    for callers scanning many series."""
    y = np.asarray(values, dtype=float)
    n = len(y)
    labels = labels or [str(i) for i in range(n)]
    rows: list[dict] = []
    if n < 6:
        return rows, np.full(n, np.nan)
    window = period if period > 1 else 4
    corrected = y.copy()
    offset = np.zeros(n)  # the shifts taken out of the series at each position
    for t, before, after, score in level_shifts(y, window=window, threshold=shift_threshold):
        rows.append(_row(t, labels, "level_shift", after, before, score))
        corrected[t:] -= after - before
        offset[t:] += after - before
    found, expected = _spikes(corrected, period=period, threshold=z_threshold)
    expected = expected + offset
    for i, _, z in found:
        rows.append(_row(i, labels, "spike", y[i], expected[i], z))
    return sorted(rows, key=lambda r: r["position"]), expected


def detect(
    values,
    *,
    period: int = 12,
    z_threshold: float = 4.0,
    shift_threshold: float = 6.0,
    labels: list[str] | None = None,
) -> pl.DataFrame:
    """Level shifts and spikes of one series.

    Returns a frame with ``position`` (0-based), ``label`` (the period, when given), ``kind``
    (``spike``/``level_shift``), ``kind_zh`` (单月异常/水平突变), ``value``, ``expected``,
    ``size`` (value − expected), ``direction`` (上升/下降) and ``score``. A spike's value is the
    month's own and its expected value includes any level shift before it.
    """
    return decompose(
        values,
        period=period,
        z_threshold=z_threshold,
        shift_threshold=shift_threshold,
        labels=labels,
    )[0]


def _row(i, labels, kind, value, expected, score) -> dict:
    return {
        "position": int(i),
        "label": labels[int(i)],
        "kind": kind,
        "kind_zh": "单月异常" if kind == "spike" else "水平突变",
        "value": float(value),
        "expected": float(expected),
        "size": float(value - expected),
        "direction": "上升" if value >= expected else "下降",
        "score": float(score),
    }


#: Columns of a series' findings (:func:`findings`).
FINDING_SCHEMA = {
    "position": pl.Int64,
    "label": pl.String,
    "kind": pl.String,
    "kind_zh": pl.String,
    "value": pl.Float64,
    "expected": pl.Float64,
    "size": pl.Float64,
    "direction": pl.String,
    "score": pl.Float64,
}


def _frame(rows: list[dict]) -> pl.DataFrame:
    if not rows:
        return pl.DataFrame(schema=FINDING_SCHEMA)
    return pl.DataFrame(rows, schema=FINDING_SCHEMA).sort("position")
