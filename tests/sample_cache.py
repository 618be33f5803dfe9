"""The sample dataset in a cache of its own, for the tests that compare the engine's files and queries with pandas."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import pytest

from lib.config import SAMPLE_DIR
from lib.data import cache
from lib.data.dataset import Dataset
from lib.data.load import load_dataset
from lib.data.periods import Period, default_period

__all__ = ["sample_in_private_cache"]


@contextlib.contextmanager
def sample_in_private_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Dataset, Period]]:
    """The sample dataset loaded into a fresh cache folder (lib.data.cache.CACHE_DIR patched while the block runs)
    and its default period."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(cache, "CACHE_DIR", tmp_path_factory.mktemp("cache"))
        ds = load_dataset(SAMPLE_DIR)
        yield ds, default_period(ds.tables["sales"]["date_sold"])
