"""The owner's sentences about next month's forecast and its backtest (docs/metrics.md, Sales timing)."""

from __future__ import annotations

import pandas as pd

from lib.analytics.forecast import MIN_MONTHS, SEASONAL_MONTHS, ForecastResult
from lib.narrative.fmt import money

__all__ = ["forecast_sentence", "forecast_finding", "forecast_notes", "backtest_sentence", "forecast_actions"]

_NO_FORECAST = f"There are fewer than {MIN_MONTHS} complete months of sales: no forecast is made."


def _expected(res: ForecastResult, currency: str) -> str:
    return (f"Expected revenue for {res.target:%B %Y}: {money(res.point, currency)} "
            f"({res.level * 100:.0f}% interval {money(res.low, currency)} to {money(res.high, currency)})")


def forecast_sentence(res: ForecastResult | None, currency: str = "USD") -> str:
    """The forecast in words with its interval and model (docs/metrics.md, Sales timing).

    ``res`` is lib.analytics.forecast.forecast_next_month (None: no forecast).
    """
    if res is None:
        return _NO_FORECAST
    return _expected(res, currency) + f", from {res.model} fitted on {len(res.history)} complete months."


def forecast_finding(res: ForecastResult | None, currency: str = "USD") -> str:
    """The report's finding: the forecast and its interval, without the model (docs/metrics.md, Sales timing)."""
    return _NO_FORECAST if res is None else _expected(res, currency) + "."


def forecast_notes(res: ForecastResult) -> list[str]:
    """What the owner should know about how the forecast was made: no seasonal model, no backtest score."""
    notes = []
    if not res.seasonal:
        notes.append(f"Only {len(res.history)} complete months: fewer than {SEASONAL_MONTHS}, so no seasonal "
                     "model; a simpler non-seasonal model is used and compared with last month's revenue.")
    if not res.backtest_scored:
        notes.append("The backtest could not score the models; the first model that fits is used.")
    return notes


def backtest_sentence(res: ForecastResult | None) -> str:
    """How the chosen model did in the backtest against the naive baseline (docs/metrics.md, Sales timing)."""
    if res is None or res.backtest is None or not len(res.backtest):
        return "There are too few months to backtest the forecast."
    bt = res.backtest
    b = bt[bt["baseline"].astype(bool)].iloc[0]
    m = bt[bt["chosen"].astype(bool)].iloc[0]

    def err(r) -> str:
        mape = "n/a" if pd.isna(r["mape_pct"]) else f"{r['mape_pct']:.1f}%"
        mase = "n/a" if pd.isna(r["mase"]) else f"{r['mase']:.2f}"
        return f"MAPE {mape}, MASE {mase}"

    head = (f"Over the last {int(m['origins'])} months, forecasting one month ahead each time, the model "
            f"missed by {err(m)}; the {b['model'].lower()} baseline by {err(b)}")
    if res.beats_baseline is None:
        return head + "."
    if res.beats_baseline:
        return head + ": the model beats the baseline."
    return head + (": the model does NOT beat the simple baseline, so treat the forecast as a rough guide "
                   "and the baseline as just as good.")


def forecast_actions(res: ForecastResult, currency: str = "USD") -> tuple[str, list[str]]:
    """What next month's forecast means and how to plan for it (docs/metrics.md, Sales timing)."""
    width = (res.high - res.low) / res.point * 50 if res.point > 0 else None
    meaning = (f"Next month should bring about {money(res.point, currency)}; the {res.level:.0%} range is "
               f"{money(res.low, currency)} to {money(res.high, currency)}"
               + (f" (about +/-{width:.0f}%)." if width is not None else "."))
    actions = [f"Plan stock and show hosts for roughly {money(res.point, currency)} of sales, and budget for "
               f"the low end ({money(res.low, currency)})."]
    if res.beats_baseline is False:
        actions.append("The model is no better than 'same as a year ago' in the backtest: use both numbers.")
    return meaning, actions
