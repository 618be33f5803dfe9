"""The refactor check: two runs with the same numbers compare equal; any changed metric or table byte is named."""

import json

from lib.tools.compare_reports import main, report_differences


def _run(folder, metrics, tables, stamp="2026-11-01T00:00:00+00:00"):
    (folder / "tables").mkdir(parents=True)
    (folder / "metrics.json").write_text(json.dumps({"period": "2026-10", "generated_at": stamp,
                                                     "code_version": stamp[:10], "metrics": metrics}))
    for name, text in tables.items():
        (folder / "tables" / name).write_text(text)
    return folder


def test_identical_runs_differ_only_in_their_stamps(tmp_path, capsys):
    a = _run(tmp_path / "a", {"revenue_period": 233920.0, "peak_weekday": "Thursday"}, {"x.csv": "a,b\n1,2\n"})
    b = _run(tmp_path / "b", {"revenue_period": 233920.0, "peak_weekday": "Thursday"}, {"x.csv": "a,b\n1,2\n"},
             stamp="2026-12-01T08:00:00+00:00")
    assert report_differences(a, b) == []
    assert main([str(a), str(b)]) == 0
    assert capsys.readouterr().out.strip() == "identical: 2 metrics and 1 tables compared"


def test_a_changed_metric_a_changed_byte_and_a_missing_table_are_each_named(tmp_path):
    a = _run(tmp_path / "a", {"revenue_period": 233920.0, "units_period": 410}, {"x.csv": "a\n1\n", "y.csv": "b\n"})
    b = _run(tmp_path / "b", {"revenue_period": 233920.5, "units_period": 410}, {"x.csv": "a\n1.0\n"})
    assert report_differences(a, b) == [
        "metric revenue_period: 233920.0 -> 233920.5",
        f"table y.csv: only in {a}",
        "table x.csv: contents differ",
    ]
    assert main([str(a), str(b)]) == 1
