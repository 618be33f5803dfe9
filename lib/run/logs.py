"""One logging set-up for every entry point: plain sentences on the terminal, details in OUT/.logs (README, Parameters)."""

from __future__ import annotations

import errno
import logging
import os
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

__all__ = ["log", "LogFolderError", "setup_logging", "close_logging", "say", "detail", "disk_full", "os_reason", "log_file"]

log = logging.getLogger("laceluxx")
log.addHandler(logging.NullHandler())  # never Python's last-resort handler, which prints tracebacks
log.propagate = False


class LogFolderError(Exception):
    """OUT (or its .logs folder) cannot be created or written; the message is one sentence."""


def disk_full(e: BaseException) -> bool:
    """Whether ``e`` is the operating system saying the disk (or the user's quota) is full."""
    return isinstance(e, OSError) and e.errno in (errno.ENOSPC, errno.EDQUOT)


def os_reason(e: OSError) -> str:
    """The operating system's reason in words, without the errno number or a repeated path."""
    if disk_full(e):
        return "the disk is full"
    return (e.strerror or str(e)).lower()


class _Sentences(logging.Formatter):
    """The message only: never the traceback or stack of a record."""

    def format(self, record: logging.LogRecord) -> str:
        return record.getMessage()


class _Console(logging.StreamHandler):
    """The terminal: records of INFO and above that are not marked ``file_only``, as plain sentences."""

    def __init__(self, stream: TextIO, detailed: bool = False):
        super().__init__(stream)
        self.setLevel(logging.INFO)
        if detailed:  # a worker process whose output is the run's log file: everything, with times
            self.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
        else:
            self.setFormatter(_Sentences())
            self.addFilter(lambda r: not getattr(r, "file_only", False))

    def handleError(self, record: logging.LogRecord) -> None:  # noqa: N802 - logging's name
        """A closed or full terminal: nothing sensible to print, so nothing is printed."""


class _LogFile(logging.FileHandler):
    """The run's log file; on a write error it says so once on the terminal and stops writing."""

    def __init__(self, path: Path, console: _Console):
        self.console, self.broken = console, False
        super().__init__(path, encoding="utf-8")
        self.setLevel(logging.DEBUG)
        self.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        if not self.broken:
            super().emit(record)

    def handleError(self, record: logging.LogRecord) -> None:  # noqa: N802 - logging's name
        if self.broken:
            return
        self.broken = True
        e = sys.exc_info()[1]
        why = os_reason(e) if isinstance(e, OSError) else f"{type(e).__name__}: {e}"
        self.console.handle(logging.makeLogRecord({
            "msg": f"The log file {self.baseFilename} could not be written ({why}); the run goes on without it.",
            "levelno": logging.WARNING, "levelname": "WARNING"}))
        try:
            if self.stream is not None:
                self.stream.close()
        except OSError:
            pass
        self.stream = None

    def close(self) -> None:
        try:
            super().close()
        except OSError:  # the last flush on a full disk
            self.stream = None


def log_file() -> Path | None:
    """The log file being written, if any."""
    for h in log.handlers:
        if isinstance(h, _LogFile) and not h.broken:
            return Path(h.baseFilename)
    return None


def close_logging() -> None:
    """Remove (and close) the handlers ``setup_logging`` installed."""
    for h in list(log.handlers):
        if isinstance(h, (_Console, _LogFile)):
            log.removeHandler(h)
            h.close()


def setup_logging(out: str | Path | None = None, kind: str = "run", stream: TextIO | None = None,
                  detailed: bool = False) -> Path | None:
    """Sentences to ``stream`` (stdout); with ``out``, every detail also to ``out/.logs/<kind>-<time>-<pid>.log``.

    ``detailed``: the stream gets the details too (for a worker process whose output is the run's log).
    Returns the log file's path (None without ``out``). Raises ``LogFolderError`` with one sentence when
    ``out`` cannot be created or written. Logging itself never raises and never prints "Logging error".
    """
    logging.raiseExceptions = False
    close_logging()
    log.setLevel(logging.DEBUG)
    log.propagate = False
    console = _Console(stream or sys.stdout, detailed)
    log.addHandler(console)
    if out is None:
        return None
    out = Path(out)
    path = out / ".logs" / f"{kind}-{datetime.now(UTC):%Y%m%dT%H%M%S}-{os.getpid()}.log"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        log.addHandler(_LogFile(path, console))
    except OSError as e:
        if disk_full(e):
            why = "the disk is full"
        elif isinstance(e, (NotADirectoryError, FileExistsError)):
            why = "a file, not a folder, stands in its path"
        else:
            why = os_reason(e)
        raise LogFolderError(f"Cannot write to the reports folder {out}: {why}. Choose another OUT folder "
                             "(--out) or make this one writable; nothing was written.") from e
    return path


def say(msg: str) -> None:
    """One sentence for the owner, on the terminal and in the log."""
    log.info(msg)


def detail(msg: str, *args, exc_info: bool = False) -> None:
    """A detail for the log file only (tracebacks, timings), never on the terminal."""
    log.info(msg, *args, exc_info=exc_info, extra={"file_only": True})
