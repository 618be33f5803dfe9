"""Results flow once (issue 20 point 1) over a full run of the sample: each domain page saves its section of advice in
the run's parts, and the recommendations page lists exactly those recommendations."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from lib.analytics import recommendations as rc
from lib.config import SAMPLE_DIR
from lib.report.outputs import CSV_ENCODING, PARTS_DIR, neutralise_formulas, rounded_for_csv
from lib.report.results import advice_sections, load_advice

pytestmark = pytest.mark.skipif(not (SAMPLE_DIR / "sales.csv").exists(), reason="run `make sample-data` first")

#: the sections of the recommendations page, in its order, and the domain notebook that saves each
SECTIONS = {"shows": "sales_timing", "inventory": "products_inventory", "win_back": "customers", "budget": "marketing"}


@pytest.fixture
def run(full_run):
    """The shared full run of the sample (tests/e2e/conftest.py)."""
    return full_run("sample")


def _advices(run) -> dict:
    parts = run.dir / PARTS_DIR
    fp = run.metrics["data_fingerprint"]
    return {s: load_advice(parts, s, fp) for s in SECTIONS}


def test_each_domain_page_saves_its_section(run):
    assert advice_sections(run.dir / PARTS_DIR) == sorted(SECTIONS)
    advs = _advices(run)
    for section, notebook in SECTIONS.items():
        adv = advs[section]
        assert adv is not None, f"{section}: no advice saved from this run's data"
        assert adv.notebook == notebook
        assert adv.recs, f"{section}: the sample plants effects every section finds"
    # from other data the parts are not read (a later --only run of other data computes them again)
    assert load_advice(run.dir / PARTS_DIR, "shows", "another fingerprint") is None


def test_recommendations_csv_is_the_union_of_the_saved_advices(run, tmp_path):
    advs = _advices(run)
    union = [r for s in SECTIONS for r in advs[s].recs]
    # the same writer as the run's tables (lib.report.outputs.RunOutput.write_table), read back alike
    mine = tmp_path / "recommendations.csv"
    neutralise_formulas(rounded_for_csv(rc.recommendations_frame(union))).to_csv(mine, index=False,
                                                                                  encoding=CSV_ENCODING)
    published = pd.read_csv(run.dir / "tables" / "recommendations.csv", encoding=CSV_ENCODING)
    pd.testing.assert_frame_equal(published, pd.read_csv(mine, encoding=CSV_ENCODING))
    assert len(published) == 13  # 4 live-show, 4 inventory, 4 win-back actions and 1 budget move on the sample
    assert json.loads((run.dir / "metrics.json").read_text(encoding="utf-8"))["metrics"][
        "recommendations_count"] == len(union)


def test_the_pages_show_the_saved_tables(run):
    advs = _advices(run)
    tables = run.dir / "tables"
    bundles = pd.read_csv(tables / "bundle_candidates.csv", encoding="utf-8-sig")
    assert list(bundles["item_a"]) == list(advs["inventory"].table("bundle_candidates")["item_a"])
    retarget = pd.read_csv(tables / "retargeting.csv", encoding="utf-8-sig")
    assert list(retarget["list"]) == list(advs["win_back"].table("retargeting")["list"])
    shown = pd.read_csv(tables / "show_mix.csv", encoding="utf-8-sig")
    assert len(shown) == len(advs["shows"].table("show_mix"))
