"""The owner's sentences about next month's forecast and its backtest (docs/metrics.md, Sales timing)."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from lib.analytics.forecast import MIN_MONTHS, ForecastResult

__all__ = ["forecast_sentence", "backtest_sentence"]


def forecast_sentence(res: ForecastResult | None, money: Callable[[float], str]) -> str:
    """The forecast in words with its interval and model."""
    if res is None:
        return f"There are fewer than {MIN_MONTHS} complete months of sales: no forecast is made."
    return (f"Expected revenue for {res.target:%B %Y}: {money(res.point)} "
            f"({res.level * 100:.0f}% interval {money(res.low)} to {money(res.high)}), "
            f"from {res.model} fitted on {len(res.history)} complete months.")


def backtest_sentence(res: ForecastResult | None) -> str:
    """How the chosen model did in the backtest against the naive baseline."""
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
