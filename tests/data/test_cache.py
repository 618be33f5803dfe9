"""Tests of lib.data.cache: the Parquet cache, the fingerprint and pruning (docs/data-contract.md, Input forms)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from lib.data import cache, validate
from lib.data.contract import TABLES
from lib.data.dataset import ContractError
from lib.data.load import dataset_fingerprint, load_dataset
from lib.data.raw import RawSource, RawTable
from lib.data.validate import dataset_from_raw
from tests.data.corpus import BASE, CORPUS, edit, write_base


def test_cache_hit_returns_identical_frames(tmp_path):
    folder = write_base(tmp_path / "d", sales=edit("sales.csv", "5000.00", '"$5,000.00"'))
    first = load_dataset(folder)
    cache_dirs = list((cache.CACHE_DIR / "tables").iterdir())
    assert [d.name for d in cache_dirs] == [first.fingerprint]  # no temporary folders left behind
    assert sorted(p.name for p in cache_dirs[0].iterdir()) == sorted(
        [f"{t}.parquet" for t in TABLES] + ["meta.json"])
    second = load_dataset(folder)
    assert second.fingerprint == first.fingerprint
    assert set(second.tables) == set(first.tables)
    for name in first.tables:
        pd.testing.assert_frame_equal(second.tables[name], first.tables[name], check_exact=True)
    pd.testing.assert_frame_equal(second.quality, first.quality)
    assert second.notes == first.notes and second.tz_name == first.tz_name


def test_cache_is_really_read(tmp_path, monkeypatch):
    folder = write_base(tmp_path / "d")
    load_dataset(folder)
    monkeypatch.setattr(validate, "validate_feeds", lambda *a, **k: pytest.fail("cache not used"))
    load_dataset(folder)
    with pytest.raises(BaseException, match="cache not used"):
        load_dataset(folder, use_cache=False)


def test_fingerprint_changes_with_bytes_tz_and_mapping(tmp_path):
    folder = write_base(tmp_path / "d")
    fp = dataset_fingerprint(folder)
    assert fp == dataset_fingerprint(folder) == load_dataset(folder, use_cache=False).fingerprint
    assert dataset_fingerprint(folder, tz_name="Europe/London") != fp
    (folder / "users.csv").write_text(BASE["users.csv"].replace("Bea", "Bee"))
    fp2 = dataset_fingerprint(folder)
    assert fp2 != fp
    (folder / "mapping.yaml").write_text("tables:\n  users:\n    file: users.csv\n")
    assert dataset_fingerprint(folder) != fp2
    assert len(fp) == 64


def test_use_cache_false_writes_nothing(tmp_path):
    load_dataset(write_base(tmp_path / "d"), use_cache=False)
    assert not (cache.CACHE_DIR / "tables").exists()


def test_a_failed_load_is_not_cached(tmp_path):
    with pytest.raises(ContractError):
        load_dataset(CORPUS / "negative_money")
    assert not (cache.CACHE_DIR / "tables").exists() or not any((cache.CACHE_DIR / "tables").iterdir())


def test_prune_cache_keeps_the_most_recently_used_and_anything_in_use(tmp_path):
    import os
    import time

    now = time.time()
    for name, minutes_ago in [("a", 1), ("b", 30), ("c", 300), ("d", 360), ("e", 420)]:
        (tmp_path / name).mkdir()
        (tmp_path / name / "meta.json").write_text("{}")
        os.utime(tmp_path / name / "meta.json", (now - minutes_ago * 60,) * 2)
    (tmp_path / ".tmp-old").mkdir()
    os.utime(tmp_path / ".tmp-old", (now - 2 * 86400,) * 2)
    (tmp_path / ".tmp-new").mkdir()  # being written by a run right now
    removed = cache.prune_cache(keep=1, min_age=3600, folder=tmp_path)
    # a: the most recent; b: beyond the rank but used 30 minutes ago, so a run may still read it
    assert sorted(removed) == [".tmp-old", "c", "d", "e"]
    assert sorted(p.name for p in tmp_path.iterdir()) == [".tmp-new", "a", "b"]
    assert cache.prune_cache(keep=1, min_age=3600, folder=tmp_path / "missing") == []


def test_publishing_a_new_entry_prunes_the_least_recently_used(monkeypatch):
    import time

    monkeypatch.setattr(cache, "CACHE_KEEP", 2)
    monkeypatch.setattr(cache, "CACHE_MIN_AGE_SECONDS", 0.0)
    frame = pd.DataFrame({"sale_id": ["a"], "buyer_id": ["1"], "date_sold": ["2026-10-01T10:00:00Z"],
                          "sale_price": ["1"]}, dtype="str")
    fps = []
    for digest in ["d1", "d2", "d3"]:
        raw = RawSource({"sales": RawTable("sales", frame, np.array([2]), ("sales.csv",))},
                        description="test", digests={"sales": digest})
        fps.append(dataset_from_raw(raw, use_cache=True).fingerprint)
        time.sleep(0.02)
        if digest == "d2":
            assert cache.load_cached(fps[0], "test") is not None  # reading d1 makes it the most recent
            time.sleep(0.02)
    assert sorted(p.name for p in (cache.CACHE_DIR / "tables").iterdir()) == sorted([fps[0], fps[2]])


def test_derived_frames_are_computed_once_per_input_and_period(tmp_path):
    from lib.data import derived

    ds = load_dataset(write_base(tmp_path / "d"))
    calls = []

    def lines():
        calls.append(1)
        return derived.sale_lines(ds.tables)

    first = cache.cached_derived(ds, "2026-10", "lines", lines)
    path = cache.derived_file(ds, "2026-10", "lines")
    assert path.exists() and path.parent.parent.parent.name == cache.DERIVED_DIR
    assert path.is_relative_to(cache.CACHE_DIR / "tables" / ds.fingerprint)  # beside the validated tables
    again = cache.cached_derived(load_dataset(write_base(tmp_path / "d")), "2026-10", "lines", lines)
    pd.testing.assert_frame_equal(again, first, check_exact=True)
    assert len(calls) == 1 and len(first) == len(ds.tables["sales"])
    only = cache.cached_derived(ds, "2026-10", "lines", lines, columns=["sale_id", "revenue"])
    assert list(only.columns) == ["sale_id", "revenue"] and len(calls) == 1
    cache.cached_derived(ds, "2026-09", "lines", lines)  # another period is another frame
    assert len(calls) == 2 and not list(path.parent.glob(".*tmp"))


def test_derived_frames_of_a_dataset_in_memory_are_not_cached_and_names_are_checked(tmp_path):
    ds = load_dataset(write_base(tmp_path / "d"))
    mem = type(ds)(dict(ds.tables), ds.quality, ds.fingerprint, ds.source, ds.tz_name)
    calls = []
    for _ in range(2):
        cache.cached_derived(mem, "2026-10", "lines", lambda: calls.append(1) or pd.DataFrame({"a": [1]}))
    assert len(calls) == 2 and cache.derived_file(mem, "2026-10", "lines") is None
    for label, name in (("../x", "lines"), ("2026-10", "../../meta"), ("2026-1", "lines")):
        with pytest.raises(ValueError, match="period YYYY-MM"):
            cache.derived_file(ds, label, name)
