"""Fixtures of the data-layer tests: every test caches into its own temporary folder."""

from __future__ import annotations

import pytest

from lib.data import cache


@pytest.fixture(autouse=True)
def _private_cache(tmp_path, monkeypatch):
    """Every test caches into its own temporary folder, never the repo's .cache."""
    monkeypatch.setattr(cache, "CACHE_DIR", tmp_path / "cache")
