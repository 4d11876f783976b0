"""How accurate and how honest the forecaster is, on real data and on the demo's targets.

    python benchmarks/forecast_accuracy.py [PATH/TO/jiangsu_city_annual.csv] [--workers N]
                                           [--no-demo | --demo-only]

Real data (default ``../shared/realdata/jiangsu_city_annual.csv``; skipped with a message when
absent): the 13 cities' GDP, registered population and average wage, from origins every three
years 2006–2018, forecast 1–3 years ahead (:mod:`models.track_record`). Prints the MAPE of the
chosen forecast, naive, linear-5 and damped Holt (statsmodels), the coverage of the 80 % and
95 % intervals, and the Brier skill and reliability of P(value ≥ v) questions for the forecaster
and for damped Holt with its own normal intervals; then the same by origin, and a few more
series for information.

Demo target series: builds a scale-1 demo warehouse in a temporary directory (as of
2026-11-22, as the tests do), replays the batch forecaster from every half-year origin
2021-06 … 2025-06 and scores P(the value the final assessment reads meets the target) — the
2025-12 value of a stock, the 2025 value of a flow: Brier skill and reliability, by indicator and
by origin.

Every threshold line ends in PASS or FAIL.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import polars as pl

from models import track_record as tr

REALDATA = Path(__file__).resolve().parents[1].parent / "shared" / "realdata"
EXTRA_INDICATORS = ("gdp_per_capita", "total_wages_of_employees", "avg_number_of_employees")


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def print_reliability(table: list[dict], indent: str = "    ") -> None:
    print(f"{indent}bin          n   mean predicted   observed   gap")
    for r in table:
        gap = r["observed"] - r["mean_predicted"]
        mark = "" if r["n"] < tr.RELIABILITY_MIN_N else ("  ✓" if abs(gap) <= 0.10 else "  ✗")
        print(
            f"{indent}[{r['bin_lo']:.1f}, {r['bin_hi']:.1f})  {r['n']:5d}   {r['mean_predicted']:14.3f}"
            f"   {r['observed']:8.3f}   {gap:+.3f}{mark}"
        )


def mape_by(points: pl.DataFrame, key: str) -> pl.DataFrame:
    cols = ["forecast", "naive", "linear5", "damped"]
    return (
        points.with_columns(
            [((pl.col(c) - pl.col("actual")).abs() / pl.col("actual") * 100).alias(c) for c in cols]
        )
        .group_by(key)
        .agg(pl.len().alias("n"), *[pl.col(c).mean().round(2) for c in cols])
        .sort(key)
    )


def real_data(path: Path) -> dict[str, bool]:
    print(f"== Real data: {path}")
    started = time.perf_counter()
    series = tr.load_real_series(path)
    ev = tr.evaluate_real(series)
    s = tr.point_summary(ev.points)
    print(
        f"   {len(series)} series ({', '.join(tr.REAL_INDICATORS)}; 13 cities), origins "
        f"{', '.join(map(str, tr.REAL_ORIGINS))}, 1–{tr.REAL_HORIZON} years ahead: "
        f"{s['n']} held-out points ({time.perf_counter() - started:.0f} s)"
    )
    best_peer = min(s["mape_linear5"], s["mape_damped"])
    print(
        f"   MAPE  forecast {s['mape_forecast']:.2f} %   naive {s['mape_naive']:.2f} %   "
        f"linear-5 {s['mape_linear5']:.2f} %   damped Holt {s['mape_damped']:.2f} %"
    )
    results = {}
    results["mape"] = s["mape_forecast"] <= best_peer
    print(f"   forecast MAPE ≤ better peer ({best_peer:.2f} %): {verdict(results['mape'])}")
    lo80, hi80 = tr.COVERAGE80
    lo95, hi95 = tr.COVERAGE95
    results["coverage80"] = lo80 <= s["coverage80"] <= hi80
    results["coverage95"] = lo95 <= s["coverage95"] <= hi95
    print(
        f"   coverage 80 % intervals {100 * s['coverage80']:.1f} % (target {100 * lo80:.0f}–"
        f"{100 * hi80:.0f}): {verdict(results['coverage80'])}"
    )
    print(
        f"   coverage 95 % intervals {100 * s['coverage95']:.1f} % (target {100 * lo95:.0f}–"
        f"{100 * hi95:.0f}): {verdict(results['coverage95'])}"
    )
    q = ev.questions
    ours = tr.brier_summary(q["probability"], q["outcome"])
    damped = tr.brier_summary(q["probability_damped"], q["outcome"])
    print(
        f"   P(value ≥ v) questions: {ours['n']} (5 thresholds per series, origin and year), "
        f"base rate {ours['base_rate']:.3f}, base-rate Brier {ours['brier_base']:.4f}"
    )
    print(
        f"   Brier  forecast {ours['brier']:.4f} (skill {ours['skill']:.3f})   damped Holt "
        f"{damped['brier']:.4f} (skill {damped['skill']:.3f})"
    )
    results["skill"] = ours["skill"] > 0 and ours["skill"] >= damped["skill"]
    print(f"   skill > 0 and ≥ damped Holt's: {verdict(results['skill'])}")
    table = tr.reliability_table(q["probability"].to_numpy(), q["outcome"].to_numpy())
    results["reliability"] = tr.reliability_ok(table)
    print(
        f"   reliability, forecaster (bins with ≥ {tr.RELIABILITY_MIN_N} questions within "
        f"±{100 * tr.RELIABILITY_TOLERANCE:.0f} points): {verdict(results['reliability'])}"
    )
    print_reliability(table)
    print("   reliability, damped Holt (normal intervals), for comparison:")
    print_reliability(
        tr.reliability_table(q["probability_damped"].to_numpy(), q["outcome"].to_numpy())
    )
    print("   MAPE (%) by origin:")
    print(mape_by(ev.points, "origin"))
    print("   MAPE (%) by indicator:")
    print(mape_by(ev.points, "indicator"))
    last3 = ev.points.filter(pl.col("origin").is_in(list(tr.REAL_ORIGINS[-3:])))
    s3 = tr.point_summary(last3)
    print(
        f"   the last three origins alone ({', '.join(map(str, tr.REAL_ORIGINS[-3:]))}; "
        f"{s3['n']} points): MAPE forecast {s3['mape_forecast']:.2f} %, linear-5 "
        f"{s3['mape_linear5']:.2f} %, damped Holt {s3['mape_damped']:.2f} %; coverage "
        f"{100 * s3['coverage80']:.1f} % / {100 * s3['coverage95']:.1f} %  (information)"
    )
    extra = tr.load_real_series(path, EXTRA_INDICATORS)
    e = tr.point_summary(tr.evaluate_real(extra, thresholds=1).points)
    print(
        f"   more series for information ({', '.join(EXTRA_INDICATORS)}; {e['n']} points): "
        f"MAPE forecast {e['mape_forecast']:.2f} %, naive {e['mape_naive']:.2f} %, linear-5 "
        f"{e['mape_linear5']:.2f} %, damped Holt {e['mape_damped']:.2f} %; coverage "
        f"{100 * e['coverage80']:.1f} % / {100 * e['coverage95']:.1f} %"
    )
    return results


def demo_target_series(workers: int) -> dict[str, bool]:
    from datasets.demo.generator import generate
    from datasets.ingest import ingest
    from datasets.warehouse import Warehouse
    from pipeline import recompute

    print("== Demo target series (synthetic, scale 1, as of 2026-11-22)")
    with tempfile.TemporaryDirectory(prefix="databrain-fc-accuracy-") as tmp:
        files = generate(Path(tmp) / "files", scale=1)
        wh = Warehouse(Path(tmp) / "wh" / "demo.duckdb")
        ingest(
            sorted(files.values()),
            warehouse=wh,
            fresh=True,
            after_load=lambda con: recompute(con, today=dt.date(2026, 11, 22)),
        )
        started = time.perf_counter()
        with wh.writer() as staging:
            q = tr.demo_questions(staging.con, workers=workers)
            staging.discard()
        wh.close()
    print(
        f"   {q.height} questions: P(the 2025 value the final assessment reads meets the "
        "target) from "
        f"{q['origin'].n_unique()} origins (every six months 2021-06 … 2025-06) × target "
        f"series ({time.perf_counter() - started:.0f} s, {workers} workers)"
    )
    s = tr.brier_summary(q["probability"], q["outcome"])
    print(
        f"   Brier {s['brier']:.4f}, base rate {s['base_rate']:.3f}, base-rate Brier "
        f"{s['brier_base']:.4f}, skill {s['skill']:.3f}"
    )
    results = {"demo_skill": s["skill"] is not None and s["skill"] >= tr.DEMO_SKILL}
    print(f"   skill ≥ {tr.DEMO_SKILL}: {verdict(results['demo_skill'])}")
    table = tr.reliability_table(q["probability"].to_numpy(), q["outcome"].to_numpy())
    results["demo_reliability"] = tr.reliability_ok(table)
    print(
        f"   reliability (bins with ≥ {tr.RELIABILITY_MIN_N} questions within "
        f"±{100 * tr.RELIABILITY_TOLERANCE:.0f} points): {verdict(results['demo_reliability'])}"
    )
    print_reliability(table)

    def skill_by(key: str) -> pl.DataFrame:
        rows = []
        for value, g in q.group_by(key, maintain_order=True):
            b = tr.brier_summary(g["probability"], g["outcome"])
            rows.append(
                {
                    key: value[0],
                    "n": b["n"],
                    "base_rate": round(b["base_rate"], 3),
                    "brier": round(b["brier"], 4),
                    "skill": None if b["skill"] is None else round(b["skill"], 3),
                }
            )
        return pl.DataFrame(rows).sort(key)

    print("   by indicator:")
    print(skill_by("indicator"))
    print("   by origin:")
    print(skill_by("origin"))
    started_late = q.filter(pl.col("origin") >= dt.date(2024, 6, 30))
    late = tr.brier_summary(started_late["probability"], started_late["outcome"])
    print(
        f"   origins 2024-06 and later (≤ 18 months ahead): {late['n']} questions, skill "
        f"{late['skill']:.3f}  (information)"
    )
    print_ceiling(q)
    return results


def print_ceiling(q: pl.DataFrame, sigmas=(1.0, 2.0, 3.0, 5.0, 8.0), draws: int = 200) -> None:
    """How separable the demo's questions are, whatever the forecaster: the Brier skill of an
    oracle that knows each rate's final value up to a normal error of σ percentage points and
    answers Φ((estimate − target)/σ). A diagnostic of the data (it uses the outcomes), not a
    forecast."""
    from scipy.stats import norm

    rates = q.filter(~pl.col("indicator").is_in(["typical_scenarios", "regional_samples"]))
    rates = rates.filter(pl.col("origin") == rates["origin"].min())
    v, t = rates["value_at_deadline"].to_numpy(), rates["target_value"].to_numpy()
    o = rates["outcome"].to_numpy()
    gap = np.abs(v - t)
    print(
        f"   how far the {len(v)} rate series end from their targets: median "
        f"{np.median(gap):.1f} points, {np.mean(gap < 2):.0%} within 2 points"
    )
    rng = np.random.default_rng(0)
    base = o.mean() * (1 - o.mean())
    cells = []
    for sigma in sigmas:
        briers = []
        for _ in range(draws):
            estimate = v + rng.normal(0.0, sigma, len(v))
            p = norm.cdf((estimate - t) / sigma)
            p = np.where(rates["polarity"].to_numpy() == "higher", p, 1 - p)
            briers.append(np.mean((p - o) ** 2))
        cells.append(f"σ = {sigma:g}: {1 - np.mean(briers) / base:+.2f}")
    print("   skill of an oracle knowing the final value to ±σ points: " + ", ".join(cells))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", nargs="?", type=Path, default=REALDATA / "jiangsu_city_annual.csv")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--no-demo", action="store_true", help="skip the demo warehouse")
    which.add_argument("--demo-only", action="store_true", help="skip the real data")
    args = parser.parse_args()
    pl.Config.set_tbl_rows(30)
    pl.Config.set_tbl_width_chars(120)
    np.set_printoptions(precision=3)
    results: dict[str, bool] = {}
    if args.demo_only:
        pass
    elif args.path.is_file():
        results |= real_data(args.path)
    else:
        print(
            f"== Real data: {args.path} is absent (../shared is not beside the checkout); skipped"
        )
    if not args.no_demo:
        results |= demo_target_series(args.workers)
    failed = [k for k, ok in results.items() if not ok]
    print(
        f"== {len(results) - len(failed)} of {len(results)} thresholds met"
        + (f"; not met: {', '.join(failed)}" if failed else "")
    )
    sys.exit(0)


if __name__ == "__main__":
    main()
