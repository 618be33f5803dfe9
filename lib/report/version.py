"""The code version stamped into every report (git commit of the suite)."""

from __future__ import annotations

import functools
import os
import subprocess

from lib.config import ROOT

__all__ = ["code_version"]


@functools.lru_cache(maxsize=1)
def code_version() -> str:
    """Short git commit, with ``+changes`` when the work tree differs; env override for CI."""
    if os.environ.get("LACELUXX_CODE_VERSION"):
        return os.environ["LACELUXX_CODE_VERSION"]
    try:
        sha = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
                             capture_output=True, text=True, timeout=5).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True, timeout=5).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return (sha or "unknown") + ("+changes" if dirty else "")
