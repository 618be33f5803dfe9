"""The owner's sentences about next month's forecast and its backtest (docs/metrics.md, Forecast)."""

from __future__ import annotations

import pandas as pd

from lib.analytics.forecast import MIN_MONTHS, SEASONAL_MONTHS, ForecastResult
from lib.narrative.fmt import count, money, p_value

__all__ = ["forecast_sentence", "forecast_finding", "forecast_notes", "backtest_sentence", "forecast_actions",
           "same_month_sentence", "baseline_rule", "bound_sentence", "model_words", "backtest_method",
           "backtest_table", "backtest_caption", "BACKTEST_TITLES"]

#: the models of lib.analytics.forecast (CANDIDATES and the two baselines) in the owner's words; the pages name
#: the statistical model only in the method block
_MODEL_WORDS = {
    "Seasonal naive (same month last year)": "repeating the same month last year",
    "Naive (last month)": "repeating last month",
    "Holt-Winters: damped trend and 12-month season, ETS(A,Ad,A)": "a slowing trend with a 12-month season",
    "Same month last year plus the average yearly change (seasonal naive with drift)":
        "the same month last year plus the average yearly change",
    "Month-of-year factors with a smoothed level": "month-of-year factors on a smoothed level",
    "Damped trend, ETS(A,Ad,N)": "a slowing trend",
    "Simple exponential smoothing, ETS(A,N,N)": "a smoothed average of past months",
}

#: the backtest table's column titles (it is shown inside the method block, so the measures keep their names)
BACKTEST_TITLES = {"model": "Model", "mae": "Mean miss", "mape_pct": "MAPE (%)", "mase": "MASE",
                   "baseline": "Baseline", "chosen": "Chosen"}


def model_words(name: str) -> str:
    """A forecast model's name in the owner's words ("a slowing trend" for "Damped trend, ETS(A,Ad,N)"); a name
    without plain words is "a forecasting model" (docs/metrics.md, Forecast)."""
    return _MODEL_WORDS.get(name, "a forecasting model")

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
            f"({res.level * 100:.0f}% range {money(res.low, currency)} to {money(res.high, currency)})")


def _tried(res: ForecastResult) -> str:
    """"on the last 12 months": the months the models were tried on, or "on past months" without a backtest."""
    k = int(res.backtest["origins"].iloc[0]) if res.backtest is not None and len(res.backtest) else 0
    return f"on the last {count(k, 'month')}" if k > 1 else "on past months"


def forecast_sentence(res: ForecastResult | None, currency: str = "USD") -> str:
    """The forecast in words with its interval and where it comes from (docs/metrics.md, Forecast).

    ``res`` is lib.analytics.forecast.forecast_next_month (None: no forecast).
    """
    if res is None:
        return _NO_FORECAST
    if res.baseline_used:
        source = res.target - pd.DateOffset(months=12 if res.seasonal else 1)
        rule = f"last {source:%B}" if res.seasonal else f"last month ({source:%B %Y})"
        why, miss = ((f"no model beat that simple rule {_tried(res)}", "in those months") if res.backtest_scored
                     else ("the models could not be tried on past months", _tried(res)))
        return (_expected(res, currency) + f": the forecast repeats {rule}, because {why}; the range comes from how "
                f"far the rule missed {miss}.")
    how = (f" the range comes from how far it missed {_tried(res)}." if res.interval == "backtest"
           else " the range is the model's own.")
    return (_expected(res, currency) + f", made by a model fitted on {count(len(res.history), 'complete month')} "
            f"({model_words(res.model)});" + how)


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
        notes.append("The models could not be tried on past months"
                     + ("; the simple rule is used." if res.baseline_used else "; the first model that fits is used."))
    b = bound_sentence(res)
    if b:
        notes.append(b)
    return notes


def _err(r) -> str:
    return "an unknown share" if pd.isna(r["mape_pct"]) else f"{r['mape_pct']:.1f}%"


def _race(res: ForecastResult) -> tuple[pd.Series, pd.Series | None] | None:
    """The baseline's backtest row and the best scored model's (None: no model scored); None without a backtest."""
    if res is None or res.backtest is None or not len(res.backtest):
        return None
    bt = res.backtest
    b = bt[bt["baseline"].astype(bool)].iloc[0]
    models = bt[~bt["baseline"].astype(bool)].dropna(subset=["mae"]).sort_values("mae", kind="mergesort")
    return b, (models.iloc[0] if len(models) else None)


def backtest_sentence(res: ForecastResult | None) -> str:
    """How the models and the simple rule did when tried on past months, and why the forecast uses the one it
    uses, in plain words (docs/metrics.md, Forecast); the test and the scores are in :func:`backtest_method`."""
    race = _race(res)
    if race is None:
        return "There are too few months to test the forecast on past months."
    b, best = race
    k = int(b["origins"])
    first, last = res.predictions.index[0], res.predictions.index[-1]
    same = [m for m in res.predictions.index if m.month == res.target.month]
    span = (f"To test the forecasts, each of the last {count(k, 'month')} ({first:%B %Y} to {last:%B %Y}"
            + (f", including {', '.join(f'{m:%B %Y}' for m in same)}" if same else "")
            + ") was forecast from the months before it.")
    rule = f"Repeating {baseline_rule(res)} missed by {_err(b)} on average"
    if best is None:
        return f"{span} {rule}; no model could be scored."
    text = f"{span} {rule}; the best model, {model_words(best['model'])}, by {_err(best)}"
    if res.beats_baseline and not res.baseline_used:
        return text + ": clearly better, so that model makes the forecast."
    if best["mae"] < b["mae"]:
        return text + ": no clear difference, so the simple rule is the forecast."
    return text + ": no model did better, so the simple rule is the forecast."


def backtest_method(res: ForecastResult | None) -> list[str]:
    """The forecast's method block: the backtest design, the models by name, their MASE and the Diebold-Mariano test
    that decides between the best model and the baseline (docs/metrics.md, Forecast); empty without a backtest."""
    race = _race(res)
    if race is None:
        return []
    b, best = race
    out = [f"Rolling-origin backtest, one month ahead, over {count(int(b['origins']), 'origin')}; the baseline is "
           f"{res.baseline}. MAPE is the mean absolute percentage miss; MASE the mean absolute miss over the "
           f"history's mean absolute change on {'the same month a year before' if res.seasonal else 'the month before'}"
           ", one scale for every model."]
    if best is None:
        return out + ["No model could be scored: the baseline makes the forecast."]
    mase = "n/a" if pd.isna(best["mase"]) else f"{best['mase']:.2f}"
    out.append(f"Best model: {best['model']} (MASE {mase}, baseline "
               + ("n/a" if pd.isna(b["mase"]) else f"{b['mase']:.2f}") + "); one-sided Diebold-Mariano test that it "
               f"misses less than the baseline: {p_value(res.p_value, '.3f', 'p not computable')}, a model replaces "
               f"the baseline only below {res.alpha:g}.")
    out.append(f"The forecast is made by {res.model}; its {res.level:.0%} interval is "
               + ("the point plus or minus z times the root mean squared miss of the backtest."
                  if res.interval == "backtest" or res.baseline_used else "the model's own prediction interval."))
    return out


def backtest_table(res: ForecastResult) -> pd.DataFrame:
    """The backtest table for the method block: one row per model and the baseline, the origins column dropped
    (docs/metrics.md, Forecast); show it with :data:`BACKTEST_TITLES`."""
    return res.backtest.drop(columns=["origins"])


def backtest_caption(res: ForecastResult) -> str:
    """The backtest table's caption (docs/metrics.md, Forecast)."""
    return (f"Rolling-origin backtest over the last {int(res.backtest['origins'].iloc[0])} months, one month ahead "
            "(lower is better; a MASE below the baseline's beats the simple rule)")


def forecast_actions(res: ForecastResult, currency: str = "USD") -> tuple[str, list[str]]:
    """What next month's forecast means and how to plan for it (docs/metrics.md, Forecast)."""
    width = (res.high - res.low) / res.point * 50 if res.point > 0 else None
    meaning = (f"Next month should bring about {money(res.point, currency)}; the {res.level:.0%} range is "
               f"{money(res.low, currency)} to {money(res.high, currency)}"
               + (f" (about +/-{width:.0f}%)." if width is not None else "."))
    actions = [f"Plan stock and show hosts for roughly {money(res.point, currency)} of sales, and budget for "
               f"the low end ({money(res.low, currency)})."]
    if res.baseline_used:
        actions.append(f"No model was clearly better than repeating {baseline_rule(res)} when tried on past months: "
                       "adjust the plan for what you know has changed since then (stock, shows, prices).")
    return meaning, actions
