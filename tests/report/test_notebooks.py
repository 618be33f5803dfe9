"""The seven report notebooks as files: defaults from lib.config, the same start, no logic that belongs to lib."""

import json
import re

import pytest

from lib import config
from lib.report.registry import NOTEBOOKS

#: notebook parameter -> the shared default it must equal
SHARED_DEFAULTS = {"tz_name": config.DEFAULT_TZ, "currency": config.DEFAULT_CURRENCY,
                   "churn_days": config.CHURN_DAYS, "aging_days": config.AGING_DAYS,
                   "min_shows": config.MIN_SHOWS, "gap_minutes": config.SHOW_GAP_MINUTES}


def _code_cells(name: str) -> list[dict]:
    nb = json.loads((config.NOTEBOOKS_DIR / f"{name}.ipynb").read_text(encoding="utf-8"))
    return [c for c in nb["cells"] if c["cell_type"] == "code"]


def _source(cell: dict) -> str:
    return "".join(cell["source"])


@pytest.mark.parametrize("name", [nb.name for nb in NOTEBOOKS])
def test_parameters_are_the_shared_defaults(name):
    first = _code_cells(name)[0]
    assert "parameters" in first["metadata"].get("tags", [])
    params: dict = {}
    exec(_source(first), {}, params)  # literals only: papermill and JupyterLab read this cell as it is
    assert params["data"] == params["period"] == params["output_dir"] == ""
    shared = {k: params[k] for k in SHARED_DEFAULTS if k in params}
    assert shared == {k: SHARED_DEFAULTS[k] for k in shared}
    assert {"tz_name", "currency"} <= set(shared)


@pytest.mark.parametrize("name", [nb.name for nb in NOTEBOOKS])
def test_notebooks_hold_no_housekeeping_and_no_hard_coded_channels(name):
    code = "\n".join(_source(c) for c in _code_cells(name))
    assert not re.search(r"\brep\.(release|forget)\(|^\s*del |\bgc\.|mallopt|malloc_trim", code, flags=re.M)
    assert not re.search(r"[\"'](whatnot|instagram)[\"']", code)
    assert not re.search(r"\.split\([\"'][ .,(]", code)  # findings are not cut out of sentences
    assert code.count("%matplotlib inline") == 1


@pytest.mark.parametrize("name", [nb.name for nb in NOTEBOOKS])
def test_notebooks_are_stored_without_outputs(name):
    for cell in _code_cells(name):
        assert cell.get("outputs") == [] and cell.get("execution_count") is None
