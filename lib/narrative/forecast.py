"""The owner's sentences about next month's forecast and its backtest (docs/metrics.md, Forecast)."""

from __future__ import annotations

import pandas as pd

from lib.analytics.forecast import MIN_MONTHS, SEASONAL_MONTHS, ForecastResult
from lib.narrative.fmt import count, money, p_value

__all__ = ["forecast_sentence", "forecast_finding", "forecast_notes", "backtest_sentence", "forecast_actions",
           "same_month_sentence", "baseline_rule", "bound_sentence"]

_NO_FORECAST = f"There are fewer than {MIN_MONTHS} complete months of sales: no forecast is made."

#: plain words for a fitted parameter at the lower / upper end of what the fitting allows
_BOUND_WORDS = {
    ("damping_trend", "lower"): "the trend is cut back as fast as the fitting allows",
    ("damping_trend", "upper"): "the trend is carried forward with as little damping as the fitting allows",
    ("smoothing_level", "lower"): "the level hardly moves with new months",
    ("smoothing_level", "upper"): "the level simply follows the last month",
    ("smoothing_trend", "lower"): "the trend never changes from its starting value",
    ("smoothing_trend", "upper"): "the trend follows each month's change in full",
    ("smoothing_seasonal", "lower"): "the seasonal pattern never changes from its starting values",
    ("smoothing_seasonal", "upper"): "the seasonal pattern is rebuilt from each new month",
    ("level_smoothing", "lower"): "the level is close to the average of all months",
    ("level_smoothing", "upper"): "the level simply follows the last month",
}


def baseline_rule(res: ForecastResult) -> str:
    """The baseline in plain words: "the same month last year" (seasonal) or "last month" (docs/metrics.md, Forecast)."""
    return "the same month last year" if res.seasonal else "last month"


def _expected(res: ForecastResult, currency: str) -> str:
    return (f"Expected revenue for {res.target:%B %Y}: {money(res.point, currency)} "
            f"({res.level * 100:.0f}% interval {money(res.low, currency)} to {money(res.high, currency)})")


def forecast_sentence(res: ForecastResult | None, currency: str = "USD") -> str:
    """The forecast in words with its interval and where it comes from (docs/metrics.md, Forecast).

    ``res`` is lib.analytics.forecast.forecast_next_month (None: no forecast).
    """
    if res is None:
        return _NO_FORECAST
    if res.baseline_used:
        source = res.target - pd.DateOffset(months=12 if res.seasonal else 1)
        return (_expected(res, currency) + f": the revenue of {source:%B %Y} repeated, because no model forecast "
                f"clearly better than that simple rule in the backtest; the interval comes from the rule's misses "
                f"in the backtest.")
    how = (" the interval comes from the model's misses in the backtest." if res.interval == "backtest"
           else " the interval is the model's own.")
    return (_expected(res, currency) + f", from {res.model} fitted on {count(len(res.history), 'complete month')};"
            + how)


def same_month_sentence(res: ForecastResult | None, currency: str = "USD") -> str | None:
    """The forecast month's revenue in earlier years beside the forecast (docs/metrics.md, Forecast); None when the
    history has no earlier such month."""
    if res is None:
        return None
    h = res.history[res.history.index.month == res.target.month]
    if h.empty:
        return None
    past = " and ".join(f"{m:%B %Y} brought {money(v, currency)}" for m, v in h.items())
    return f"For comparison, {past}; the forecast for {res.target:%B %Y} is {money(res.point, currency)}."


def forecast_finding(res: ForecastResult | None, currency: str = "USD") -> str:
    """The report's finding: the forecast and its interval, without the model (docs/metrics.md, Forecast)."""
    return _NO_FORECAST if res is None else _expected(res, currency) + "."


def bound_sentence(res: ForecastResult) -> str | None:
    """The chosen model's fitted settings that sit at the limit of the fitting, in plain words; None when none does
    (docs/metrics.md, Forecast)."""
    if not res.at_bound:
        return None
    parts = [_BOUND_WORDS.get((k, side), f"{k.replace('_', ' ')} is at its {side} limit")
             for k, (_, side) in res.at_bound.items()]
    return ("In the chosen model " + "; ".join(parts) + ": these settings sit at the limit the fitting allows, "
            "which means the history cannot pin them down, so read the forecast as a rough guide.")


def forecast_notes(res: ForecastResult) -> list[str]:
    """What the owner should know about how the forecast was made: no seasonal model, no backtest score, settings at
    their limit (docs/metrics.md, Forecast)."""
    notes = []
    if not res.seasonal:
        notes.append(f"Only {count(len(res.history), 'complete month')}: fewer than {SEASONAL_MONTHS}, so no "
                     "seasonal model is tried; simpler models are compared with repeating last month's revenue.")
    if not res.backtest_scored:
        notes.append("The backtest could not score the models"
                     + ("; the simple rule is used." if res.baseline_used else "; the first model that fits is used."))
    b = bound_sentence(res)
    if b:
        notes.append(b)
    return notes


def _err(r) -> str:
    mape = "n/a" if pd.isna(r["mape_pct"]) else f"{r['mape_pct']:.1f}%"
    mase = "n/a" if pd.isna(r["mase"]) else f"{r['mase']:.2f}"
    return f"{mape} on average (MASE {mase})"


def backtest_sentence(res: ForecastResult | None) -> str:
    """How the models and the baseline did in the backtest, and why the forecast uses the one it uses
    (docs/metrics.md, Forecast)."""
    if res is None or res.backtest is None or not len(res.backtest):
        return "There are too few months to backtest the forecast."
    bt = res.backtest
    b = bt[bt["baseline"].astype(bool)].iloc[0]
    k = int(b["origins"])
    first, last = res.predictions.index[0], res.predictions.index[-1]
    same = [m for m in res.predictions.index if m.month == res.target.month]
    span = (f"Backtest: each of the last {count(k, 'month')} ({first:%B %Y} to {last:%B %Y}"
            + (f", including {', '.join(f'{m:%B %Y}' for m in same)}" if same else "")
            + ") was forecast from the months before it.")
    rule = f"Repeating {baseline_rule(res)} missed by {_err(b)}"
    models = bt[~bt["baseline"].astype(bool)].dropna(subset=["mae"]).sort_values("mae", kind="mergesort")
    if models.empty:
        return f"{span} {rule}; no model could be scored."
    best = models.iloc[0]
    test = f"one-sided Diebold-Mariano test, {p_value(res.p_value, '.3f', 'p not computable')}"
    text = f"{span} {rule}; the best model, {best['model']}, by {_err(best)}"
    if res.beats_baseline and not res.baseline_used:
        return text + f": clearly better ({test}), so that model makes the forecast."
    if best["mae"] < b["mae"]:
        return text + f": no clear difference ({test}), so the simple rule is the forecast."
    return text + ": no model did better, so the simple rule is the forecast."


def forecast_actions(res: ForecastResult, currency: str = "USD") -> tuple[str, list[str]]:
    """What next month's forecast means and how to plan for it (docs/metrics.md, Forecast)."""
    width = (res.high - res.low) / res.point * 50 if res.point > 0 else None
    meaning = (f"Next month should bring about {money(res.point, currency)}; the {res.level:.0%} range is "
               f"{money(res.low, currency)} to {money(res.high, currency)}"
               + (f" (about +/-{width:.0f}%)." if width is not None else "."))
    actions = [f"Plan stock and show hosts for roughly {money(res.point, currency)} of sales, and budget for "
               f"the low end ({money(res.low, currency)})."]
    if res.baseline_used:
        actions.append(f"No model was clearly better than repeating {baseline_rule(res)} in the backtest: adjust "
                       "the plan for what you know has changed since then (stock, shows, prices).")
    return meaning, actions
