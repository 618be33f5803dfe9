"""Hostile text on the pages (issue 16, items 4 and 12): `$` in names draws as text, contact details are masked."""

from __future__ import annotations

from io import BytesIO

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from lib.report import notebook  # noqa: E402
from lib.report.plots.style import bar, money_axis, setup_style  # noqa: E402
from lib.report.privacy import (  # noqa: E402
    PHONE_MASK,
    assert_no_contact_details,
    contact_leaks,
    mask_contacts,
    phone_numbers,
)

DOLLAR_NAMES = ["$$ Sale $$", "$x^2$", "50$ off"]


@pytest.fixture
def styled():
    """setup_style's settings for one test, then matplotlib's own again."""
    with plt.rc_context():
        setup_style()
        yield
    plt.close("all")


def _png(fig) -> bytes:
    buf = BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()


# -- item 4: a `$` in a name is text, not mathematics ----------------------------------------------------------

def test_dollar_names_draw_as_text_in_every_kind_of_label(styled):
    ax = bar(pd.Series([3.0, 2.0, 1.0], index=DOLLAR_NAMES), "Sales of $$ Sale $$ and $x^2$", "Brand ($)", "$ y $",
             currency="USD")
    ax.plot([0, 1], [1, 2], label="$$ Sale $$ trend")
    ax.legend(title="$x^2$ legend")
    ax.annotate("$$ Sale $$ best", (0, 3))
    ax.text(1, 1, "$x^2$ note")
    ax.figure.suptitle("$a$ and $b$")
    png = _png(ax.figure)
    assert png.startswith(b"\x89PNG") and len(png) > 1000
    assert [t.get_text() for t in ax.get_xticklabels()] == DOLLAR_NAMES
    texts = [ax.title, ax.xaxis.label, ax.yaxis.label, *ax.get_legend().get_texts(), ax.get_legend().get_title(),
             *ax.texts, ax.figure._suptitle, *ax.get_xticklabels(), *ax.get_yticklabels()]
    assert all(t.get_parse_math() is False for t in texts)


def test_horizontal_bars_with_dollar_names_draw(styled):
    ax = bar(pd.Series([1.0, 2.0], index=["$$ Sale $$", "$5 $10"]), "t", "x", "y", horizontal=True, currency="USD")
    assert _png(ax.figure).startswith(b"\x89PNG")
    assert [t.get_text() for t in ax.get_yticklabels()] == ["$5 $10", "$$ Sale $$"]


def test_bar_labels_mask_contact_details(styled):
    ax = bar(pd.Series([1.0, 2.0], index=["Shop +1 (212) 555-0147", "Bags"]), "t", "x", "y")
    assert [t.get_text() for t in ax.get_xticklabels()] == ["Shop [phone hidden]", "Bags"]


def test_math_text_on_fails_on_such_names():
    """Why setup_style turns it off: matplotlib's default reads `$$ Sale $$` as mathematics and cannot draw it."""
    with plt.rc_context({"text.parse_math": True}):
        fig, ax = plt.subplots()
        ax.bar(DOLLAR_NAMES, [3, 2, 1])
        with pytest.raises(ValueError, match="Expected end of text"):
            _png(fig)
    plt.close("all")


def test_money_tick_labels_look_the_same_as_with_math_text(styled):
    """Money ticks ("$1,000") hold one `$`, so they were plain text before too: the same pixels either way."""
    def draw() -> bytes:
        fig, ax = plt.subplots(figsize=(4, 3))
        ax.bar(["a", "b"], [1000.0, 2500.0])
        money_axis(ax, "y", "USD")
        ax.set_title("Revenue ($)")
        fig.canvas.draw()
        labels = [t.get_text() for t in ax.get_yticklabels()]
        return _png(fig), labels

    off, labels_off = draw()
    with plt.rc_context({"text.parse_math": True}):
        on, labels_on = draw()
    assert "$1,000" in labels_off and labels_off == labels_on
    assert off == on


# -- item 12: phone numbers are masked like e-mail addresses ---------------------------------------------------

PHONES = ["+1 (212) 555-0147", "212-555-0147", "0044 20 7946 0958", "+447911123456", "(212) 555-0147",
          "212.555.0147", "212 555 0147", "+44 (0) 20 7946 0958", "+33 1 23 45 67 89", "1-800-555-0199",
          "555-0147", "07911 123456", "+49 30 12345678", "030 12345678", "+1-212-555-0147", "+61 2 9876 5432",
          "(212)555-0147"]

#: numbers as the reports write them (taken from the sample's pages), and ids, dates, times, amounts
NOT_PHONES = [
    "$1,234,567.89", "$1,861,545", "$233,920", "-$52,469", "2026-10-31", "2026-10-31 12:30", "2026-10-31 12:30:00",
    "2026-10-31T12:30:00.123456", "31.10.2026", "10/31/2026", "12:30", "21:00", "10:00-12:00", "P000123", "00042",
    "000238", "S0002611", "#1001", "#1001 #1002", "12.5%", "33.1%", "58.7%", "2019-2026", "2024 2025",
    "153076.72209189518", "64(-25.987787260050077)", "1.234567", "123.4567", "SARIMA(0,0,0)(0,1,0)12 + constant",
    "p = 2.6e-175", "p = 1.55e-05", "0.19 per dollar (interval 0.15 to 0.23)", "fingerprint 3fa2b1c90d12",
    "Code version: c893e99", "90-120 min shows earned $2,888 per show hour (169 shows)",
    "Sell-through in 2026-10: 247 units sold against 1,234 still on hand at month end",
    "52,401 rows were read; 0 cells were repaired (e.g. '$1,234.50' read as 1234.50)",
    "Revenue this month was $233,920, down 15.8% on the month before ($277,661), from 242 order lines",
    "10.34x on $37,358 of spend, 90% interval 8.73x to 11.85x", "Fitted on purchases up to 04 May 2026",
    "(01 Oct 2026 to 31 Oct 2026)", "a rate of 16.7%", "+11.5% on the 12 months before", "the 0-60 min shows",
    "(95% interval $10,238 to $14,224, 104 days)", "31-60", "1 2 3 4 5 6 7", "4.72  4.77  4.75  4.76",
    "2,610.00", "€1 234 567", "david.m000001", "pytest-12/data0/shop", ".tmp-2026-10-1234567",
    "Period: 2026-10 (01 Oct 2026 to 31 Oct 2026)", "2026 10 31",
]


@pytest.mark.parametrize("phone", PHONES)
def test_phone_shapes_are_found_whole(phone):
    assert phone_numbers(f"Ann {phone} VIP") == [phone]
    assert mask_contacts(f"Call {phone}, please.") == f"Call {PHONE_MASK}, please."


def test_no_number_of_the_reports_reads_as_a_phone():
    assert len(NOT_PHONES) >= 30
    assert [s for s in NOT_PHONES if phone_numbers(s)] == []
    assert [s for s in NOT_PHONES if mask_contacts(s) != s] == []


def test_a_longer_digit_run_is_judged_whole():
    # a 16-digit card number is not cut into a 15-digit "phone" and a rest
    assert phone_numbers("4111 1111 1111 1111") == []
    assert phone_numbers("Ann (212-555-0147)") == ["212-555-0147"]
    assert phone_numbers("David M. +1 (212) 555-0147 and ann@example.com") == ["+1 (212) 555-0147"]


def test_mask_contacts_masks_both_kinds():
    assert mask_contacts("Call +1 (212) 555-0147 or mail ann.b@example.co.uk") == \
        "Call [phone hidden] or mail [e-mail hidden]"
    assert contact_leaks("x 212-555-0147 y a@b.com") == ["212-555-0147", "a@b.com"]


def test_leak_check_names_phone_numbers(tmp_path):
    (tmp_path / "index.html").write_text("<p>fine: $1,234,567 on 2026-10-31</p>", encoding="utf-8")
    assert_no_contact_details(tmp_path)
    (tmp_path / "customers.html").write_text("<td>Call +1 (212) 555-0147</td>", encoding="utf-8")
    with pytest.raises(RuntimeError, match=r"customers\.html would show 1 phone number; the run was stopped"):
        assert_no_contact_details(tmp_path)


@pytest.fixture
def shown(monkeypatch) -> list[str]:
    """The HTML the display helpers would show."""
    out: list[str] = []
    monkeypatch.setattr(notebook, "_display_html", out.append)
    return out


HOSTILE = "Ann <b> +1 (212) 555-0147 ann@example.com"
MASKED = "Ann &lt;b&gt; [phone hidden] [e-mail hidden]"


def test_say_and_insight_mask(shown):
    notebook.say(HOSTILE)
    notebook.insight(HOSTILE, "", "Sold $1,234 on 2026-10-31")
    assert shown[0] == f"<p>{MASKED}</p>"
    assert f"<li>{MASKED}</li><li>Sold $1,234 on 2026-10-31</li>" in shown[1]


def test_what_to_do_and_skipped_mask(shown):
    notebook.what_to_do(f"Meaning {HOSTILE}", [f"Call {HOSTILE}", ""])
    notebook.skipped(f"Section {HOSTILE}", f"Reason {HOSTILE}")
    assert f"<b>What this means:</b> Meaning {MASKED}</p>" in shown[0]
    assert f"<li>Call {MASKED}</li></ul>" in shown[0]
    assert shown[1] == f'<div class="ll-skip"><b>Section {MASKED} skipped:</b> Reason {MASKED}</div>'
    assert "555-0147" not in "".join(shown) and "@example" not in "".join(shown)


def test_show_table_drops_contact_columns_and_masks_cells(shown):
    df = pd.DataFrame({"display_name": ["Call +1 (212) 555-0147", "Bea"], "Phone": ["212-555-0147", "x"],
                       "phone_number": ["1", "2"], "mobile": ["1", "2"], "telephone": ["1", "2"],
                       "email": ["a@b.com", "c@d.com"], "revenue": [1234567.0, 10.0],
                       "note 212-555-0199": pd.array(["0044 20 7946 0958", None], dtype="string"),
                       "last_purchase": pd.to_datetime(["2026-10-31", "2026-10-01"])})
    notebook.show_table(df, money_cols=("revenue",), caption="Top +44 7911 123456")
    html = shown[0]
    for col in ("Phone", "phone number", "mobile", "telephone", "email"):
        assert f"<th>{col}</th>" not in html
    assert "<td>Call [phone hidden]</td>" in html and "<td>[phone hidden]</td>" in html
    assert "<th>Note [phone hidden]</th>" in html and "<caption>Top [phone hidden]</caption>" in html
    assert '<td class="num">$1,234,567</td>' in html and "<td>2026-10-31</td>" in html
    assert contact_leaks(html) == []


def test_front_page_masks_findings_actions_and_skips():
    from lib.run.frontpage import index_html

    payload = {"period": "2026-10", "metrics": {}, "data_fingerprint": "f" * 64}
    page = index_html(payload, {"customers": [f"The biggest customer, {HOSTILE}, has spent $62,640"]},
                      {"marketing": f"no campaigns for {HOSTILE}"}, None, {}, "none",
                      [{"action": f"Call {HOSTILE}", "evidence": "spent $1,234 on 2026-10-31"}], {"customers"})
    assert f"The biggest customer, {MASKED}, has spent $62,640" in page
    assert f"no campaigns for {MASKED}" in page and f"<b>Call {MASKED}</b>" in page
    assert "spent $1,234 on 2026-10-31" in page and contact_leaks(page) == []


def test_email_masking_is_the_pattern_applied_run_by_run():
    """The leak check reads e-mail addresses run by run (fast on pages of embedded images): same result as the
    pattern over the whole text, on random strings of the characters that matter."""
    import random

    from lib.report.privacy import EMAIL_MASK, EMAIL_PATTERN

    rnd = random.Random(16)
    texts = ["a@b.com.x@c.com", "x a.b@c.d.ef, g@h.io;z@@y.com", "é@ü.de", "a+b%c@d-e.fg/h@i.jk", "@@a@b.cc"]
    parts = ["a", "b.", "@", "@", "x.co", ".de", "-", "+", "%", "_", " ", "/", "é", ".", ";"]
    texts += ["".join(rnd.choice(parts) for _ in range(rnd.randint(0, 14))) for _ in range(3000)]
    assert sum(bool(EMAIL_PATTERN.search(t)) for t in texts) > 100
    for t in texts:  # no digits: nothing here is a phone number
        assert contact_leaks(t) == sorted(set(EMAIL_PATTERN.findall(t))), t
        assert mask_contacts(t) == EMAIL_PATTERN.sub(EMAIL_MASK, t), t


def test_log_scale_money_axes_label_their_minor_ticks_as_money_not_math():
    """Math text is off, so matplotlib's default minor labels of a log axis (``$\\mathdefault{2\\times10^{2}}$``)
    would print as code; a money axis labels them as amounts (the Shopify example's price scatter: 200 to 6,000)."""
    import matplotlib.pyplot as plt

    from lib.report.plots.style import money_axis, setup_style

    setup_style()
    fig, ax = plt.subplots()
    ax.scatter([200, 450, 1_000, 6_000], [30, 40, 50, 55])
    ax.set_xscale("log")
    money_axis(ax, "x", "USD")
    fig.canvas.draw()
    lo, hi = ax.get_xlim()

    def shown(labels):
        return [t.get_text() for t in labels if t.get_text() and lo <= t.get_position()[0] <= hi]

    major, minor = shown(ax.get_xticklabels()), shown(ax.get_xticklabels(minor=True))
    plt.close(fig)
    assert major == ["$1,000"]
    assert minor[:3] == ["$200", "$300", "$400"] and "$2,000" in minor
    assert not any("\\" in t or "mathdefault" in t for t in major + minor)


def test_contact_details_are_masked_in_every_text_a_chart_draws():
    """Charts are images the leak check cannot read: titles, ticks, legends and annotations are masked as drawn."""
    import matplotlib.pyplot as plt

    from lib.report.plots.style import setup_style

    setup_style()
    fig, ax = plt.subplots()
    ax.barh(["Call +1 (212) 555-0147", "Coach"], [3, 2], label="ann@example.com")
    ax.set_title("Top buyer ann@example.com")
    ax.annotate("212-555-0147", (1, 0))
    ax.legend()
    fig.canvas.draw()
    texts = [t.get_text() for t in fig.findobj(lambda a: hasattr(a, "get_text") and callable(a.get_text))]
    plt.close(fig)
    joined = " | ".join(texts)
    assert "555-0147" not in joined and "ann@example.com" not in joined
    assert "Call [phone hidden]" in joined and "Top buyer [e-mail hidden]" in joined and "Coach" in joined


def test_money_ticks_are_short_from_ten_thousand_on():
    from lib.report.plots.style import tick_money

    assert [tick_money(v) for v in (0, 4_000, 9_999, 10_000, 300_000, 1_000_000, 1_250_000, -600_000)] == [
        "$0", "$4,000", "$9,999", "$10k", "$300k", "$1M", "$1.2M", "-$600k"]
    assert tick_money(2_500_000, "EUR") == "€2.5M"
