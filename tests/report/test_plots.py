"""Every chart the plot functions draw, on fixture data: text readable on a phone, alt text from the data."""

from __future__ import annotations

import inspect

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from lib.analytics import customers as cu  # noqa: E402
from lib.analytics.customers import WIN_BACK_VIP_LIST, CohortTables, HoldoutCheck, PurchaseGrid  # noqa: E402
from lib.analytics.forecast import ForecastResult  # noqa: E402
from lib.analytics.rfm import WIN_BACK_SEGMENTS  # noqa: E402
from lib.data.periods import period_from_label  # noqa: E402
from lib.narrative.marketing import MODEL_LABELS  # noqa: E402
from lib.report import alt_text  # noqa: E402
from lib.report.plots import (  # noqa: E402
    brands,
    customers,
    marketing,
    overview,
    products,
    recommendations,
    shows,
    style,
    timing,
)

MODULES = (overview, timing, customers, products, brands, marketing, recommendations, shows)
PERIOD = period_from_label("2026-10")
MONTHS = pd.date_range("2024-11-01", periods=24, freq="MS")
WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
BRANDS = ["Chanel", "Hermès", "Louis Vuitton", "Gucci", "Prada", "Dior", "Fendi", "Celine", "Balenciaga",
          "Bottega Veneta", "Saint Laurent", "Givenchy"]
RNG = np.random.default_rng(7)


def _revenue() -> np.ndarray:
    """24 months of revenue whose highest month is Dec 2025 at $388,880 (the issue's example)."""
    rev = np.linspace(150_000, 300_000, 24).round()
    rev[13] = 388_880.0
    return rev


def _trend() -> pd.DataFrame:
    return pd.DataFrame({"month": MONTHS, "revenue": _revenue(), "units": np.arange(24) * 10 + 400})


def _weekday_means() -> pd.DataFrame:
    mean = np.array([900, 950, 1000, 1400, 1100, 800, 0.0])
    return pd.DataFrame({"weekday": WEEKDAYS, "revenue_mean": mean, "revenue_low": mean * 0.8,
                         "revenue_high": mean * 1.2, "units_mean": mean / 100, "units_low": mean / 120,
                         "units_high": mean / 80, "days": 52, "closed": [False] * 6 + [True]})


def _series(freq: str) -> pd.DataFrame:
    idx = pd.date_range("2024-11-01", "2026-10-31", freq={"D": "D", "W": "W-SUN", "M": "MS"}[freq])
    rev = 1000 + 300 * np.sin(np.arange(len(idx)) / 5) + RNG.normal(0, 50, len(idx))
    units = (rev / 100).round()
    return pd.DataFrame({"revenue": rev, "revenue_rolling": pd.Series(rev).rolling(4, 1).mean().to_numpy(),
                         "units": units, "units_rolling": pd.Series(units).rolling(3, 1).mean().to_numpy()}, index=idx)


def _forecast() -> ForecastResult:
    hist = pd.Series(_revenue(), index=MONTHS)
    pred = pd.DataFrame({"actual": hist.iloc[-6:], "ets": hist.iloc[-6:] * 1.05, "naive": hist.iloc[-7:-1].to_numpy()},
                        index=MONTHS[-6:])
    return ForecastResult(target=pd.Timestamp("2026-11-01"), model="ets", point=310_000.0, low=260_000.0,
                          high=360_000.0, level=0.8, history=hist, backtest=pd.DataFrame(), predictions=pred,
                          baseline="naive", seasonal=False, beats_baseline=True)


def _segments() -> pd.DataFrame:
    names = ["Champions", "Loyal", "Active", "Needs attention", "New", "Promising", "Can't lose", "At risk",
             "Almost lost", "Dormant"]
    return pd.DataFrame({"segment": names, "customers": [120, 200, 340, 150, 90, 80, 40, 160, 210, 600],
                         "revenue": [90_000, 80_000, 60_000, 20_000, 9_000, 7_000, 30_000, 40_000, 20_000, 15_000]})


def _scored() -> pd.DataFrame:
    n = 400
    occ = RNG.integers(1, 6, n)
    return pd.DataFrame({"occasions": occ, "days_since": RNG.integers(0, 700, n), "revenue": RNG.gamma(2, 300, n),
                         "p_alive": np.where(occ > 1, RNG.uniform(0, 1, n), np.nan)})


def _cohorts() -> CohortTables:
    idx = [f"{m:%Y-%m}" for m in MONTHS[-14:]]
    ret = pd.DataFrame({k: [max(0.0, 30 - 2 * k - i) if k <= 13 - i else np.nan for i in range(14)]
                        for k in range(0, 13)}, index=idx)
    ret[0] = 100.0
    summary = pd.DataFrame({"customers": 50, "revenue": 1000.0, "revenue_per_customer": np.linspace(400, 100, 14),
                            "repeat_pct": 20.0}, index=idx)
    return CohortTables(retention_pct=ret, sizes=summary["customers"], revenue=ret, summary=summary)


def _holdout() -> HoldoutCheck:
    by_x = pd.DataFrame({"x": ["0", "1", "2", "3+"], "customers": [500, 200, 80, 30], "actual": [0.10, 0.40, 0.90, 1.30],
                         "predicted": [0.12, 0.38, 0.85, 1.40]})
    return HoldoutCheck(cutoff=pd.Timestamp("2026-05-01"), end=pd.Timestamp("2026-10-31"), fit=None, by_x=by_x,
                        actual_total=100.0, predicted_total=104.0)


def _purchase_grid() -> PurchaseGrid:
    cols = np.linspace(0, 100, 30)
    mat = pd.DataFrame([[x * (c / 100) ** 2 for c in cols] for x in range(11)], index=range(11), columns=cols)
    return PurchaseGrid(expected=mat, T=100.0, horizon_days=90)


def _by_category() -> pd.DataFrame:
    cats = ["Handbags", "Shoes", "Jewellery", "Watches", "Scarves", "Small leather goods"]
    rev = np.array([50_000, 30_000, 20_000, 15_000, 5_000, 8_000.0])
    return pd.DataFrame({"category": cats, "units": [300, 250, 120, 40, 90, 200], "revenue": rev,
                         "revenue_share_pct": rev / rev.sum() * 100})


def _lifecycle() -> pd.DataFrame:
    n = 300
    return pd.DataFrame({"duration_days": RNG.integers(1, 300, n), "sold": RNG.uniform(0, 1, n) < 0.7,
                         "condition": RNG.choice(["New", "Excellent", "Good", "Fair"], n)})


def _items() -> pd.DataFrame:
    n = 300
    return pd.DataFrame({"sale_price": RNG.gamma(2, 400, n) + 20, "margin_pct": RNG.normal(30, 15, n),
                         "category": RNG.choice(["Handbags", "Shoes", "Jewellery", "Watches"], n)})


def _margin_cells() -> pd.DataFrame:
    rows = [(c, k, 20 + i * 3 - j * 4) for i, c in enumerate(["Handbags", "Shoes", "Jewellery", "Watches"])
            for j, k in enumerate(["New", "Excellent", "Good", "Fair"])]
    return pd.DataFrame(rows, columns=["category", "condition", "margin_pct"])


def _buckets() -> pd.DataFrame:
    return pd.DataFrame({"bucket": ["0-30", "31-60", "61-90", "91-180", "181-365", "over 365"],
                         "units": [120, 90, 60, 50, 30, 10], "cost": [40_000, 30_000, 20_000, 18_000, 9_000, 4_000.0]})


def _price_by_age() -> tuple[pd.DataFrame, pd.DataFrame]:
    idx = np.arange(0, 360, 15)
    by_age = pd.DataFrame({"mean": 95 - idx / 20, "size": RNG.integers(2, 60, len(idx))}, index=idx)
    curve = pd.DataFrame({"group": ["__all__"], "days_p99": [340.0], "intercept": [0.95], "slope_per_day": [-0.0005],
                          "slope_pct_per_30d": [-1.5]})
    return by_age, curve


def _perf() -> pd.DataFrame:
    rev = np.linspace(60_000, 5_000, len(BRANDS))
    return pd.DataFrame({"brand": BRANDS, "revenue": rev, "gross_profit": rev * 0.3})


def _verdicts() -> pd.DataFrame:
    n = len(BRANDS)
    days = np.linspace(20, 140, n)
    days[3] = np.nan
    margin = np.linspace(45, 15, n)
    return pd.DataFrame({"group": BRANDS, "margin_pct": margin, "shop_margin_pct": 30.0, "shop_median_days": 60.0,
                         "km_median_days": days, "km_low": days - 10, "km_high": days + 15, "margin_low": margin - 5,
                         "margin_high": margin + 5, "revenue": np.linspace(60_000, 5_000, n),
                         "verdict": ["buy more", "price up", "keep", "no verdict", "mark down", "buy less"] * 2})


def _boot() -> pd.DataFrame:
    ch = ["Instagram", "Facebook", "Google", "TikTok", "Email"]
    v = np.array([0.6, 1.4, 2.2, 0.9, 4.0])
    return pd.DataFrame({"channel": ch, "roas": v * 3, "roas_low": v * 2, "roas_high": v * 4, "gp_roas": v,
                         "gp_roas_low": v * 0.6, "gp_roas_high": v * 1.5})


def _slots() -> pd.DataFrame:
    rows = [(d, h) for d in range(7) for h in (10, 13, 16, 19, 21)]
    s = pd.DataFrame(rows, columns=["weekday", "hour"])
    s["shows"] = RNG.integers(1, 15, len(s))
    s["enough_shows"] = s["shows"] >= 5
    s["revenue_per_show_hour"] = RNG.gamma(3, 300, len(s))
    s["revenue_per_show_hour_shrunk"] = s["revenue_per_show_hour"] * 0.8 + 150
    s["rank"] = s["revenue_per_show_hour_shrunk"].where(s["enough_shows"]).rank(ascending=False)
    s["vs_mean_low"] = s["revenue_per_show_hour_shrunk"] - 900 - 200
    s["vs_mean_high"] = s["revenue_per_show_hour_shrunk"] - 900 + 200
    s["slot"] = [f"{WEEKDAYS[d][:3]} {h:02d}:00" for d, h in zip(s["weekday"], s["hour"], strict=True)]
    s.attrs["prior_mean"] = 900.0
    return s


def _schedule() -> pd.DataFrame:
    s = _slots().sort_values("rank")
    return s.assign(weekday=[WEEKDAYS[d] for d in s["weekday"]],
                    verdict=np.where(s["vs_mean_low"] > 0, "better than average", "no clear difference"))


def _raw_grid() -> pd.DataFrame:
    return pd.DataFrame(RNG.gamma(2, 100, (7, 24)), index=WEEKDAYS, columns=range(24))


def _targets() -> pd.DataFrame:
    lists = [WIN_BACK_VIP_LIST, *WIN_BACK_SEGMENTS]
    return pd.DataFrame({"list": RNG.choice(lists, 200), "buyer_id": [f"{i:06d}" for i in range(200)],
                         "revenue": RNG.gamma(2, 200, 200)})


def _top_actions() -> pd.DataFrame:
    return pd.DataFrame({"rank": [1, 2, 3, 4], "action": ["Move 3 shows from Monday 10:00 to Thursday 19:00",
                                                          "Mark down 12 handbags listed over 90 days",
                                                          "Email the 40 churn-risk VIPs", "Bundle scarves with bags"],
                         "effect_kind": ["monthly", "one-off", "monthly", "monthly"],
                         "expected_value": [2400.0, 1800.0, 900.0, 300.0], "expected_low": [800.0, 900, 100, 50],
                         "expected_high": [4000.0, 2600, 1700, 600], "confidence": ["high", "medium", "low", "low"]})


def _by_length() -> pd.DataFrame:
    return pd.DataFrame({"length": ["0-60 min", "60-120 min", "120-180 min", "over 180 min"], "shows": [20, 40, 12, 3],
                         "revenue_per_show": [900.0, 1800, 2500, 2600], "revenue_per_show_hour": [1200.0, 1100, 950, 800]})


def _multi(*draws):
    """A 1 x n grid of panels as the notebooks make them, one chart per panel."""
    fig, axes = plt.subplots(1, len(draws), figsize=(6.5 * len(draws), 4.5))
    for ax, draw in zip(axes, draws, strict=True):
        draw(ax)
    plt.tight_layout()
    return axes[0]


#: one drawing per plot function (module.function -> a call on fixture data returning its Axes)
CHARTS = {
    "overview.monthly_trend_lines": lambda: overview.monthly_trend_lines(_trend()),
    "overview.channel_revenue_bars": lambda: overview.channel_revenue_bars(pd.DataFrame(
        {"channel": ["Whatnot", "Shopify", "eBay", "Instagram"], "revenue": [50_000, 30_000, 20_000, 10_000],
         "revenue_prev": [40_000, 35_000, 10_000, 20_000]}), PERIOD),
    "timing.weekday_bars": lambda: timing.weekday_bars(_weekday_means(), "USD", "revenue"),
    "timing.revenue_trend": lambda: timing.revenue_trend(_series("D"), "D", "USD"),
    "timing.monthly_units": lambda: timing.monthly_units(_series("M")),
    "timing.channel_mix_area": lambda: timing.channel_mix_area(pd.DataFrame(
        {"Whatnot": np.full(24, 50.0), "Shopify": np.full(24, 30.0), "eBay": np.full(24, 15.0),
         "Instagram live": np.full(24, 5.0)}, index=MONTHS)),
    "timing.month_of_year_lines": lambda: timing.month_of_year_lines(pd.DataFrame(
        [np.r_[np.full(10, np.nan), 1.5e5, 2e5], np.linspace(1e5, 3.9e5, 12), np.r_[np.linspace(1e5, 2e5, 10),
                                                                                  np.nan, np.nan]],
        index=[2024, 2025, 2026], columns=range(1, 13)), "USD"),
    "timing.holiday_bars": lambda: timing.holiday_bars(pd.DataFrame(
        {"holiday": ["Black Friday", "Christmas", "Valentine's Day", "Mother's Day"] * 2,
         "index": [180, 150, 110, 95, 170, 160, 105, 100]})),
    "timing.forecast_chart": lambda: timing.forecast_chart(_forecast(), "USD"),
    "customers.pareto_curve": lambda: customers.pareto_curve(cu.pareto_curve(pd.Series(RNG.gamma(0.7, 500, 800))),
                                                             62.0),
    "customers.occasion_bars": lambda: customers.occasion_bars(pd.Series([500, 200, 90, 40, 12, 5],
                                                                         index=["1", "2", "3", "4", "5", "6+"])),
    "customers.gap_histogram": lambda: customers.gap_histogram(pd.Series(RNG.gamma(1.5, 60, 500))),
    "customers.segment_customer_bars": lambda: customers.segment_customer_bars(_segments()),
    "customers.segment_revenue_bars": lambda: customers.segment_revenue_bars(_segments(), "USD"),
    "customers.churn_scatter": lambda: customers.churn_scatter(_scored(), 90, "USD", max_points=300),
    "customers.cohort_heatmap": lambda: customers.cohort_heatmap(_cohorts()),
    "customers.cohort_value_bars": lambda: customers.cohort_value_bars(_cohorts(), "USD"),
    "customers.holdout_bars": lambda: customers.holdout_bars(_holdout()),
    "customers.purchase_heatmap": lambda: customers.purchase_heatmap(_purchase_grid()),
    "products.top_products_chart": lambda: products.top_products_chart(pd.DataFrame(
        {"product_id": [f"P{i:04d}" for i in range(10)],
         "product_name": [f"{b} vintage shoulder bag in black calfskin" for b in BRANDS[:10]],
         "revenue": np.linspace(9_000, 2_000, 10)}), 10, "USD"),
    "products.category_units_chart": lambda: products.category_units_chart(_by_category()),
    "products.category_share_chart": lambda: products.category_share_chart(_by_category()),
    "products.brand_revenue_chart": lambda: products.brand_revenue_chart(
        _perf().rename(columns={"brand": "brand_name"}), "USD"),
    "products.days_to_sell_curves": lambda: products.days_to_sell_curves(_lifecycle(), ["New", "Excellent", "Good",
                                                                                        "Fair"]),
    "products.price_margin_scatter": lambda: products.price_margin_scatter(_items(), "USD", max_points=200),
    "products.margin_heatmap": lambda: products.margin_heatmap(_margin_cells()),
    "products.aged_units_chart": lambda: products.aged_units_chart(_buckets()),
    "products.aged_cost_chart": lambda: products.aged_cost_chart(_buckets(), "USD"),
    "products.aged_share_gauge": lambda: products.aged_share_gauge({"aged_cost_share_pct": 34.0}, 90),
    "products.aged_cost_by_chart": lambda: products.aged_cost_by_chart(pd.DataFrame(
        {"brand_name": BRANDS, "aged_cost": np.linspace(9_000, 500, len(BRANDS))}), "Brand", 90, "USD", n=12),
    "products.price_by_age_chart": lambda: products.price_by_age_chart(*_price_by_age(), 90),
    "brands.brand_revenue_chart": lambda: brands.brand_revenue_chart(_perf(), "USD"),
    "brands.brand_profit_chart": lambda: brands.brand_profit_chart(_perf(), "USD"),
    "brands.brand_map_chart": lambda: brands.brand_map_chart(_verdicts()),
    "brands.brand_trend_chart": lambda: brands.brand_trend_chart(pd.DataFrame(
        {b: np.linspace(5_000, 9_000, 12) * (1 - i / 10) for i, b in enumerate([*BRANDS[:6], "Other brands"])},
        index=[f"{m:%Y-%m}" for m in MONTHS[-12:]]), "USD"),
    "brands.brand_growth_chart": lambda: brands.brand_growth_chart(pd.DataFrame(
        {"brand": BRANDS, "growth_3m_pct": np.linspace(40, -35, len(BRANDS))})),
    "brands.shelf_day_profit_chart": lambda: brands.shelf_day_profit_chart(pd.DataFrame(
        {"brand": BRANDS, "eligible": True, "profit_per_shelf_day": np.linspace(3, 0.4, len(BRANDS)),
         "low": np.linspace(2, 0.1, len(BRANDS)), "high": np.linspace(4, 0.9, len(BRANDS))}), "brand", "USD"),
    "marketing.campaign_roas_bars": lambda: marketing.campaign_roas_bars(pd.DataFrame(
        {"campaign": [f"Autumn drop {i}" for i in range(12)], "spend": 500.0, "gp_roas": np.linspace(3, 0.2, 12),
         "roas": np.linspace(9, 0.6, 12)}), PERIOD),
    "marketing.channel_spend_revenue_bars": lambda: marketing.channel_spend_revenue_bars(pd.DataFrame(
        {"channel": ["Instagram", "Facebook", "Google", "TikTok", "Email"], "spend": [3000, 2000, 2500, 1000, 200.0],
         "revenue": [9000, 4000, 12000, 2000, 5000.0]}), PERIOD),
    "marketing.acquisition_value_bars": lambda: marketing.acquisition_value_bars(pd.DataFrame(
        {"acquisition_channel": ["Instagram", "Organic", "Referral", "Paid search"],
         "revenue_12m_per_customer": [420.0, 380, 610, 290], "repeat_rate_12m_pct": [31.0, 28, 44, 19]})),
    "marketing.model_share_bars": lambda: marketing.model_share_bars(pd.DataFrame(
        {m: [40 - i, 30, 20 + i, 10] for i, m in enumerate(MODEL_LABELS)},
        index=["Instagram", "Facebook", "Google", "Email"])),
    "marketing.roas_interval_dots": lambda: marketing.roas_interval_dots(_boot(), "gross-profit ROAS"),
    "recommendations.slot_ranking": lambda: recommendations.slot_ranking(_slots()),
    "recommendations.revenue_by_length": lambda: recommendations.revenue_by_length(_by_length()),
    "recommendations.bundle_lifts": lambda: recommendations.bundle_lifts(pd.DataFrame(
        {"item_a": ["Handbags", "Shoes", "Chanel", "Scarves"], "item_b": ["Scarves", "Jewellery", "Hermès", "Shoes"],
         "lift": [2.1, 1.6, 1.3, 1.1], "recommended": [True, True, False, False]})),
    "recommendations.win_back_lists": lambda: recommendations.win_back_lists(_targets()),
    "recommendations.channel_roas": lambda: recommendations.channel_roas(_boot()),
    "recommendations.top_actions": lambda: recommendations.top_actions(_top_actions()),
    "shows.raw_revenue_heatmap": lambda: shows.raw_revenue_heatmap(_raw_grid(), "USD"),
    "shows.show_hour_heatmap": lambda: shows.show_hour_heatmap(_slots(), 5, "USD"),
    "shows.hour_bars": lambda: shows.hour_bars(pd.DataFrame(
        {"hour": [10, 13, 16, 19, 21], "revenue_per_show_hour": [800.0, 950, 1200, 1500, 1100],
         "low": [600.0, 700, 900, 1200, 700], "high": [1000.0, 1200, 1500, 1800, 1500],
         "enough_shows": [True, True, True, True, False]}), 0.8, "USD"),
    "shows.length_bars": lambda: shows.length_bars(_by_length(), "USD"),
    "shows.channel_bars": lambda: shows.channel_bars(pd.DataFrame(
        {"channel": ["Whatnot", "Instagram live", "TikTok live"], "revenue_per_show_hour": [1400.0, 900, 700]}),
        "USD"),
    "shows.top_slots_bars": lambda: shows.top_slots_bars(_schedule(), 0.8, "USD"),
    # the notebooks' grids of panels (plt.subplots(1, n)): shown one under the other
    "panels.weekday_pair": lambda: _multi(lambda ax: timing.weekday_bars(_weekday_means(), "USD", "revenue", ax=ax),
                                          lambda ax: timing.weekday_bars(_weekday_means(), "USD", "units", ax=ax)),
    "panels.heatmaps": lambda: _multi(lambda ax: shows.raw_revenue_heatmap(_raw_grid(), "USD", ax=ax,
                                                                           beside_shows=True),
                                      lambda ax: shows.show_hour_heatmap(_slots(), 5, "USD", ax=ax)),
    "panels.aged_three": lambda: _multi(lambda ax: products.aged_units_chart(_buckets(), ax=ax),
                                        lambda ax: products.aged_cost_chart(_buckets(), "USD", ax=ax),
                                        lambda ax: products.aged_share_gauge({"aged_cost_share_pct": 34.0}, 90,
                                                                             ax=ax)),
}


@pytest.fixture(autouse=True)
def _style():
    style.setup_style()
    yield
    plt.close("all")


def _plot_functions() -> set[str]:
    names = set()
    for mod in MODULES:
        for name in mod.__all__:
            obj = getattr(mod, name)
            if inspect.isfunction(obj) and "ax" in inspect.signature(obj).parameters:
                names.add(f"{mod.__name__.rsplit('.', 1)[1]}.{name}")
    return names


def test_every_plot_function_has_a_fixture_drawing():
    assert _plot_functions() <= set(CHARTS), sorted(_plot_functions() - set(CHARTS))


@pytest.mark.parametrize("name", sorted(CHARTS))
def test_chart_text_is_at_least_11_px_on_a_360_px_screen(name):
    ax = CHARTS[name]()
    fig = ax.figure
    data, meta = style.figure_png(fig)
    width = style.png_width(data)
    smallest = style.smallest_font_pt(fig)
    assert smallest >= style.MIN_FONT_PT
    px = style.text_px(smallest, width)
    assert px >= 11.0, f"{name}: {smallest} pt in a {width} px image is {px:.1f} px at 360 px"
    assert meta["width"] == round(width * style.DESKTOP_SCALE)


@pytest.mark.parametrize("name", sorted(n for n in CHARTS if not n.startswith("panels.")))
def test_chart_alt_text_comes_from_its_data(name):
    ax = CHARTS[name]()
    text = alt_text.described(ax)
    assert text and len(text) > 30 and text != "No description has been provided for this image"
    assert any(ch.isdigit() for ch in text), text  # a number from the data, not the title alone
    assert alt_text.figure_alt(ax.figure) == text


def test_the_issue_example_alt_text():
    ax = overview.monthly_trend_lines(_trend())
    assert alt_text.described(ax).startswith(
        "Revenue by month, Nov 2024 to Oct 2026, highest Dec 2025 at $388,880, lowest Nov 2024 at $150,000, "
        "last Oct 2026 at $300,000.")


def test_bars_alt_names_the_three_largest_and_the_smallest():
    text = alt_text.bars_alt("Revenue by brand", ["A", "B", "C", "D", "E"], [5.0, 40.0, 10.0, 30.0, 20.0],
                             lambda v: f"${v:,.0f}")
    assert text == "Revenue by brand, 5 bars: highest B at $40, then D at $30 and E at $20; lowest A at $5."


def test_grid_alt_finds_the_extreme_cells():
    g = pd.DataFrame([[1.0, 9.0], [np.nan, 0.5]], index=["Mon", "Tue"], columns=[10, 11])
    assert alt_text.grid_alt("Revenue", g, lambda v: f"{v:g}", "weekdays", "hours") == (
        "Revenue, weekdays Mon to Tue by hours 10 to 11; highest Mon, 11 at 9; lowest Tue, 11 at 0.5.")


def test_panels_are_stacked_one_chart_per_row_with_each_alt_text():
    ax = CHARTS["panels.aged_three"]()
    fig = ax.figure
    _, meta = style.figure_png(fig)
    lefts = {round(a.get_position().x0, 2) for a in fig.axes if a.get_subplotspec() is not None and a.has_data()}
    assert fig.get_figwidth() <= style.PHONE_WIDTH_IN
    assert len({round(a.get_position().y0, 2) for a in fig.axes}) == 3  # three rows
    assert len(lefts) <= 2  # one column (the gauge has no axis labels, so it starts further left)
    assert meta["alt"].startswith("Chart 1 of 3: Unsold units by days listed, 6 bars: highest 0-30 at 120 units")
    assert "Chart 3 of 3: Gauge: 34% of the stock's cost has been listed over 90 days." in meta["alt"]


def test_a_legend_past_the_right_edge_moves_above_the_chart():
    fig, ax = plt.subplots(figsize=(4.8, 3))
    ax.plot([1, 2], [1, 2], label="a label long enough to spill well past the right edge of the chart")
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0))
    data, _ = style.figure_png(fig)
    assert style.text_px(style.smallest_font_pt(fig), style.png_width(data)) >= 11.0
    renderer = fig.canvas.get_renderer()
    leg = ax.get_legend().get_window_extent(renderer)
    assert leg.y0 >= ax.get_window_extent(renderer).y1  # above the chart, not beside it
    assert leg.x1 <= fig.get_figwidth() * fig.dpi


def test_text_px_formula():
    # 11 pt at 150 dpi is 22.9 px in the image; a 720 px image shown 360 px wide halves it
    assert style.text_px(11, 720) == pytest.approx(11 * 150 / 72 / 2)
