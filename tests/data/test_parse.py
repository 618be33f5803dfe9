"""Tests of lib.data.parse through load_dataset: money, whole numbers, dates, timestamps and time zones (docs/data-contract.md, Money; Dates, timestamps and the time zone)."""

from __future__ import annotations

import pandas as pd
import pytest

from lib.data.load import load_dataset
from tests.data.corpus import one_problem, write_base


@pytest.mark.parametrize("text,value", [
    ("1234.5", 1234.5), ("$1,234.50", 1234.5), ("1,234.50", 1234.5), ("$ 12", 12.0), ("€12.00", 12.0),
    ("12.00 USD", 12.0), ("-0", 0.0), (".5", 0.5), ("1,000,000", 1e6),
])
def test_money_forms_accepted(tmp_path, text, value):
    folder = tmp_path / "d"
    folder.mkdir()
    (folder / "sales.csv").write_text(f'sale_id,buyer_id,date_sold,sale_price\nA,1,2026-10-01,"{text}"\n')
    assert load_dataset(folder, use_cache=False).tables["sales"]["sale_price"].tolist() == [value]


@pytest.mark.parametrize("text,rule", [
    ("12,50", "not a number"), ("1.2.3", "not a number"), ("abc", "not a number"), ("nan", "not a number"),
    ("(5.00)", "must be >= 0"), ("$-5", "must be >= 0"), ("1,2345", "not a number"),
])
def test_money_forms_rejected(tmp_path, text, rule):
    folder = tmp_path / "d"
    folder.mkdir()
    (folder / "sales.csv").write_text(f'sale_id,buyer_id,date_sold,sale_price\nA,1,2026-10-01,"{text}"\n')
    p = one_problem(folder)
    assert (p.file, p.lines, p.column, p.rule) == ("sales.csv", (2,), "sale_price", rule)


def _sales_times(tmp_path, values: list[str], tz: str = "America/New_York") -> tuple[list, pd.DataFrame]:
    rows = "".join(f"s{i},b,{v},1\n" for i, v in enumerate(values))
    folder = tmp_path / f"t{abs(hash((tuple(values), tz)))}"
    folder.mkdir()
    (folder / "sales.csv").write_text("sale_id,buyer_id,date_sold,sale_price\n" + rows)
    ds = load_dataset(folder, tz_name=tz, use_cache=False)
    return ds.tables["sales"]["date_sold"].tolist(), ds.quality


def test_offsets_converted_to_business_time_across_dst(tmp_path):
    got, q = _sales_times(tmp_path, [
        "2026-03-08T06:59:00Z",        # 01:59 EST, just before the spring-forward jump
        "2026-03-08T07:00:00Z",        # 02:00 EST does not exist: 03:00 EDT
        "2026-11-01 01:30:00-04:00",   # first 01:30 (EDT)
        "2026-11-01 01:30:00-05:00",   # second 01:30 (EST), an hour later in real time
        "2026-10-03 20:15:00+02:00",   # Europe evening = 14:15 New York (EDT)
        "2026-10-03T20:15:00+0200",    # offset without colon
        "2026-10-03T20:15:00.250-04",  # fractional seconds, hour-only offset
        "2026-10-03 20:15:00",         # naive: business-local, unchanged
        "2026-10-03 20:15:00 UTC",     # UTC suffix: 16:15 EDT
    ])
    assert got == [pd.Timestamp(x) for x in [
        "2026-03-08 01:59", "2026-03-08 03:00", "2026-11-01 01:30", "2026-11-01 01:30",
        "2026-10-03 14:15", "2026-10-03 14:15", "2026-10-03 20:15:00.250", "2026-10-03 20:15",
        "2026-10-03 16:15"]]
    q = q.set_index("reason")["rows"]
    assert q["date_sold: timestamps with an offset converted to America/New_York"] == 8
    assert q["date_sold: timestamps without an offset taken as America/New_York local time"] == 1


def test_offsets_converted_to_another_business_zone(tmp_path):
    got, _ = _sales_times(tmp_path, ["2026-10-25T00:30:00Z", "2026-10-25T01:30:00Z", "2026-10-03 20:15:00"],
                          tz="Europe/London")
    # BST ends 2026-10-25 at 01:00 UTC: 00:30Z = 01:30 BST, 01:30Z = 01:30 GMT; naive unchanged
    assert got == [pd.Timestamp("2026-10-25 01:30"), pd.Timestamp("2026-10-25 01:30"),
                   pd.Timestamp("2026-10-03 20:15")]


def test_naive_only_column_has_no_conversion_rows(tmp_path):
    got, q = _sales_times(tmp_path, ["2026-10-03 20:15", "2026-10-03T21:15:09"])
    assert got == [pd.Timestamp("2026-10-03 20:15"), pd.Timestamp("2026-10-03 21:15:09")]
    assert not q["reason"].str.contains("offset").any()


def test_unknown_time_zone_is_a_plain_error(tmp_path):
    with pytest.raises(ValueError, match="unknown time zone 'Mars/Base'"):
        load_dataset(write_base(tmp_path / "d"), tz_name="Mars/Base")
