"""The one formatter of every number the owner reads (lib.narrative.fmt), on hand-written values."""

import math

import pytest

from lib.narrative import fmt


@pytest.mark.parametrize(("value", "currency", "decimals", "text"), [
    (1234.5, "USD", 0, "$1,234"),  # Python rounds half to even: 1234.5 -> 1234
    (1235.5, "USD", 0, "$1,236"),
    (-1071.2, "USD", 0, "-$1,071"),
    (12.345, "EUR", 2, "€12.35"),
    (5, "CHF", 0, "CHF 5"),
    (None, "USD", 0, "n/a"),
    (math.nan, "GBP", 0, "n/a"),
])
def test_money(value, currency, decimals, text):
    assert fmt.money(value, currency, decimals) == text


def test_percentages_counts_and_days():
    assert fmt.pct(58.66) == "58.7%" and fmt.pct(58.66, 0) == "59%" and fmt.pct(None) == "n/a"
    assert fmt.signed_pct(-15.84) == "-15.8%" and fmt.signed_pct(4) == "+4.0%"
    assert fmt.num(1411) == "1,411" and fmt.num(2.456, 2) == "2.46"
    assert fmt.days(1) == "1 day" and fmt.days(56.4) == "56 days" and fmt.days(math.nan) == "n/a"
    assert fmt.count(1, "customer") == "1 customer" and fmt.count(1041, "customer") == "1,041 customers"
    assert fmt.count(0, "box", "boxes") == "0 boxes"


def test_p_value():
    assert fmt.p_value(0.0421) == "p = 0.042"
    assert fmt.p_value(0.00099) == "p < 0.001"
    assert fmt.p_value(0.41, ".3f", "p not computable") == "p = 0.410"
    assert fmt.p_value(None) == "p not available" and fmt.p_value(math.nan, missing="-") == "-"


def test_escaping_user_text():
    assert fmt.esc('<img src=x onerror="a()">') == "&lt;img src=x onerror=&quot;a()&quot;&gt;"
    assert fmt.esc(None) == ""


def test_source_label_shows_no_path_of_the_machine():
    assert fmt.source_label("/work/main/data/sample") == "sample"
    assert fmt.source_label("/home/ann/shop/data/") == "data"
    assert fmt.source_label("sqlite:////srv/x/shop.db") == "shop.db (SQLite)"
    assert fmt.source_label("sqlite:///shop.db?tables=sales:v_sales") == "shop.db (SQLite)"
    assert fmt.source_label("postgresql://reader:***@db/shop") == "postgresql://reader:***@db/shop"
