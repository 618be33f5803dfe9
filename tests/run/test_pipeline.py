"""End to end: the pipeline on the sample data writes every output of metrics.md, atomically."""

import json
import re
import subprocess
import sys

import pytest

from lib.config import ROOT, SAMPLE_DIR
from lib.data.load import mask_source
from lib.report.registry import ACTION_LISTS, ALL_METRICS, NOTEBOOKS
from lib.run.html_export import external_references
from lib.run.pipeline import runnable_notebooks

pytestmark = pytest.mark.skipif(not (SAMPLE_DIR / "sales.csv").exists(), reason="run `make sample-data` first")


def _run(*args, timeout=600):
    return subprocess.run([sys.executable, "-m", "lib.run.pipeline", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=timeout)


SCRIPT = '<script>alert("x")</script>'
IMG = "<img src=x onerror=alert(1)>"
FORMULA = "=HYPERLINK(\"http://evil.example\",\"click\")"


def _injected_copy(dest):
    """The sample data with hostile text in the names the reports show (and nothing else changed)."""
    import pandas as pd

    dest.mkdir()
    for f in SAMPLE_DIR.glob("*.csv"):
        df = pd.read_csv(f, dtype=str, keep_default_na=False)
        if f.name == "sales.csv":
            sales = df
        if f.name == "users.csv":
            users = df
        (dest / f.name).write_bytes(f.read_bytes())
    (dest / "planted.json").write_bytes((SAMPLE_DIR / "planted.json").read_bytes())
    s = sales[sales["status"] == "completed"].copy()
    s["rev"] = s["sale_price"].astype(float) * s["quantity"].replace("", "1").astype(float)
    top = s.groupby("buyer_id")["rev"].sum().sort_values(ascending=False).index
    users.loc[users["user_id"] == top[0], "display_name"] = FORMULA
    users.loc[users["user_id"] == top[1], "display_name"] = f"Ann {SCRIPT}"
    users.to_csv(dest / "users.csv", index=False)
    brands = pd.read_csv(dest / "brands.csv", dtype=str, keep_default_na=False)
    brands["brand_name"] = brands["brand_name"].str.replace("Hermès", f"Hermès {IMG}", regex=False)
    brands.to_csv(dest / "brands.csv", index=False)
    camps = pd.read_csv(dest / "campaigns.csv", dtype=str, keep_default_na=False)
    camps["campaign_name"] = camps["campaign_name"] + " " + SCRIPT
    camps.to_csv(dest / "campaigns.csv", index=False)
    prods = pd.read_csv(dest / "products.csv", dtype=str, keep_default_na=False)
    prods["product_name"] = prods["product_name"] + " " + IMG
    prods.to_csv(dest / "products.csv", index=False)
    return dest


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    data = _injected_copy(tmp_path_factory.mktemp("data") / "shop")
    out = tmp_path_factory.mktemp("reports")
    res = _run("run", "--data", str(data), "--out", str(out), "--jobs", "2")
    assert res.returncode == 0, res.stdout + res.stderr
    period = json.loads((SAMPLE_DIR / "planted.json").read_text())["default_period"]
    return out, out / period, res, data


def test_run_prints_progress_and_index_path(run):
    out, run_dir, res, _ = run
    assert f"Open: {run_dir / 'index.html'}" in res.stdout
    assert re.search(r"\[1/\d\] \w+: [\d.]+ s run", res.stdout)


def test_every_report_and_output_exists(run):
    _, run_dir, _, _ = run
    for nb in NOTEBOOKS:
        assert (run_dir / f"{nb.name}.html").stat().st_size > 10_000, nb.name
        assert (run_dir / "notebooks" / f"{nb.name}.ipynb").exists(), nb.name
    assert (run_dir / "index.html").exists()
    for name, cols in ACTION_LISTS.items():
        header = (run_dir / "tables" / f"{name}.csv").read_text(encoding="utf-8-sig").splitlines()[0].split(",")
        assert tuple(header[: len(cols)]) == cols, name


def test_metrics_json_has_every_metric(run):
    _, run_dir, _, _ = run
    m = json.loads((run_dir / "metrics.json").read_text())
    assert set(m) >= {"period", "generated_at", "data_fingerprint", "metrics"}
    assert set(m["metrics"]) == set(ALL_METRICS)
    assert m["metrics"]["revenue_period"] > 0
    assert len(m["data_fingerprint"]) == 64


def test_html_is_self_contained_without_code(run):
    _, run_dir, _, _ = run
    for page in run_dir.glob("*.html"):
        text = page.read_text()
        assert external_references(text) == [], page.name
        assert 'class="highlight hl-ipython3"' not in text and 'class="jp-CodeMirrorEditor' not in text, page.name
        assert "import matplotlib" not in text and "start_report(" not in text, page.name
        assert "require.min.js" not in text and "MathJax" not in text
        assert not re.search(r"[\w.+-]+@[\w-]+\.[a-z]{2,}", text, re.I), page.name
        if page.name not in ("index.html", "glossary.html"):
            assert "data:image/png;base64," in text, page.name
            assert 'class="ll-toc"' in text, page.name


def test_no_python_output_reaches_a_page(run):
    """Values returned by the last line of a cell used to be printed (np.float64(...), {'peak_weekday': ...})."""
    _, run_dir, _, _ = run
    for page in sorted(run_dir.glob("*.html")):
        html_text = re.sub(r"<style.*?</style>|<script.*?</script>", " ", page.read_text(), flags=re.S)
        text = re.sub(r"<[^>]+>", " ", html_text).replace("&#x27;", "'").replace("&#39;", "'")
        assert not re.search(r"np\.(float|int)\d+\(|\{'[a-z_]+': |Timestamp\(", text), page.name


def test_pages_show_the_data_folder_by_name_not_its_path(run):
    _, run_dir, _, data = run
    for page in sorted(run_dir.glob("*.html")):
        text = page.read_text()
        assert str(data) not in text and str(data.parent) not in text, page.name
        if page.name != "glossary.html":  # the glossary is the same for every source
            assert f"<b>Data:</b> {data.name}" in text, page.name


def test_user_text_is_escaped_in_every_report(run):
    _, run_dir, _, _ = run
    for page in run_dir.glob("*.html"):
        text = page.read_text()
        assert "<script>alert" not in text and "<img src=x" not in text, page.name
    assert "&lt;script&gt;" in (run_dir / "marketing.html").read_text()
    assert "&lt;img src=x onerror=alert(1)&gt;" in (run_dir / "brands.html").read_text()


def test_action_lists_neutralise_spreadsheet_formulas(run):
    _, run_dir, _, _ = run
    vip = (run_dir / "tables" / "vip_customers.csv").read_text(encoding="utf-8-sig")
    assert "'=HYPERLINK" in vip and ",=HYPERLINK" not in vip


def test_contact_details_only_in_action_lists(run):
    _, run_dir, _, _ = run
    churn = (run_dir / "tables" / "churn_risk_customers.csv").read_text()
    assert re.search(r"@[\w-]+\.[a-z]{2,}", churn)
    for f in list(run_dir.glob("*.html")) + list(run_dir.glob("notebooks/*.ipynb")):
        assert not re.search(r"[\w.+-]+@[\w-]+\.[a-z]{2,}", f.read_text(), re.I), f.name


def test_one_notebook_rerun_keeps_the_other_metrics(run):
    out, run_dir, _, data = run
    before = json.loads((run_dir / "metrics.json").read_text())["metrics"]
    res = _run("run", "--out", str(out), "--only", "overview", "--data", str(data))
    assert res.returncode == 0, res.stdout + res.stderr
    after = json.loads((run_dir / "metrics.json").read_text())["metrics"]
    assert after == before
    assert (run_dir / "customers.html").exists()


def test_failing_notebook_leaves_previous_run_untouched(run):
    out, run_dir, _, data = run
    before = {p.name: p.stat().st_mtime_ns for p in run_dir.iterdir()}
    res = _run("run", "--out", str(out), "--only", "overview", "--param", "overview:period=2026-13")
    assert res.returncode == 1
    assert "overview" in res.stdout and "cell" in res.stdout and "Traceback" not in res.stdout + res.stderr
    assert {p.name: p.stat().st_mtime_ns for p in run_dir.iterdir()} == before
    kept = list((out / ".failed").glob("*/overview.ipynb"))
    assert kept and "YYYY-MM" in kept[0].read_text()
    assert not list(out.glob(".tmp-*"))


def test_runnable_notebooks_skip_by_missing_tables():
    run_, skipped = runnable_notebooks({"sales"})
    assert [n.name for n in run_] == ["overview", "customers", "sales_timing", "recommendations"]
    assert skipped == {"products_inventory": "needs products.csv, which the data does not have",
                       "brands": "needs products.csv, which the data does not have",
                       "marketing": "needs users.csv, which the data does not have"}
    # sales and products alone run the products and brands reports: inventory.csv and brands.csv only add to them
    run_, skipped = runnable_notebooks({"sales", "products"})
    assert [n.name for n in run_] == ["overview", "customers", "sales_timing", "products_inventory", "brands",
                                      "recommendations"]
    assert list(skipped) == ["marketing"]


def test_mask_source_hides_password():
    assert mask_source("postgresql://ann:s3cret@db.local/shop") == "postgresql://ann:***@db.local/shop"
    assert mask_source("data/sample") == "data/sample"


def test_run_dataset_reads_the_runs_cache_only_for_the_runs_input(monkeypatch):
    """The handshake with the run's workers: its fingerprint is used for its own input and time zone only."""
    from lib.data import load as loader

    ds = loader.load_dataset(SAMPLE_DIR)  # validated, so cached under its fingerprint
    calls = []
    real = loader.load_dataset
    monkeypatch.setattr(loader, "load_dataset", lambda *a, **k: calls.append(a) or real(*a, **k))
    url = "postgresql://shop:secret@db/shop"
    monkeypatch.setenv("LACELUXX_DATA", str(SAMPLE_DIR))
    monkeypatch.setenv("LACELUXX_DATA_MASKED", mask_source(url))
    monkeypatch.setenv("LACELUXX_FINGERPRINT", ds.fingerprint)
    monkeypatch.setenv("LACELUXX_TZ", "America/New_York")
    got = loader.run_dataset(str(SAMPLE_DIR), "America/New_York")
    assert got.fingerprint == ds.fingerprint and calls == []  # read by fingerprint, input not hashed again
    assert loader.run_dataset("", "America/New_York").fingerprint == ds.fingerprint and calls == []  # sample
    other_tz = loader.run_dataset(str(SAMPLE_DIR), "UTC")
    assert calls == [(str(SAMPLE_DIR),)] and other_tz.fingerprint != ds.fingerprint
    # the masked URL stands for the real source from the environment (here the sample folder)
    masked = loader.run_dataset(mask_source(url), "America/New_York")
    assert masked.fingerprint == ds.fingerprint and calls == [(str(SAMPLE_DIR),)]
    assert masked.source == str(SAMPLE_DIR)  # shown through mask_source: no password to hide in a folder
