"""The SQL source against a real PostgreSQL server: a throw-away cluster loaded with the sample data.

Needs Debian's postgresql binaries (/usr/lib/postgresql/*/bin/initdb; `apt-get install -y postgresql`,
as .ci/run does); skipped with the reason when they are missing. The server runs as the ``postgres``
user when the tests run as root (root cannot run postgres), on a free local port with its socket in
a temporary folder. The report reads through a password-protected, read-only role.
"""

from __future__ import annotations

import glob
import json
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import pandas as pd
import pytest

from lib.config import SAMPLE_DIR
from lib.data.dataset import ContractError
from lib.data.load import load_dataset

INITDB = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
PASSWORD = "s3cret-pw"  # the reader role's password: must never appear in any output

pytestmark = [
    pytest.mark.skipif(not INITDB, reason="PostgreSQL binaries not installed (/usr/lib/postgresql/*/bin/initdb); "
                                          "`apt-get install -y postgresql` to run these tests"),
    pytest.mark.skipif(not (SAMPLE_DIR / "sales.csv").exists(), reason="run `make sample-data` first"),
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Cluster:
    """A throw-away PostgreSQL cluster: initdb, start, stop; commands run as a non-root user."""

    def __init__(self, root: Path):
        self.bin = Path(INITDB[-1]).parent
        self.root = root
        self.data = root / "data"
        self.port = _free_port()
        self.admin = "lladmin"
        self.as_user: list[str] = []
        if os.geteuid() == 0:
            try:
                pw = pwd.getpwnam("postgres")
            except KeyError:
                pytest.skip("running as root and there is no 'postgres' user to run the server")
            os.chown(root, pw.pw_uid, pw.pw_gid)
            self.as_user = ["runuser", "-u", "postgres", "--"]

    def run(self, *cmd: str) -> None:
        res = subprocess.run([*self.as_user, *cmd], capture_output=True, text=True, timeout=120)
        if res.returncode:
            raise RuntimeError(f"{' '.join(cmd)} failed:\n{res.stdout}\n{res.stderr}")

    def start(self) -> None:
        # local socket: trust (setup as admin); TCP: password checked (scram), so the URL's password matters
        self.run(str(self.bin / "initdb"), "-D", str(self.data), "-U", self.admin, "-E", "UTF8", "--locale=C",
                 "--auth-local=trust", "--auth-host=scram-sha-256", "--no-sync")
        opts = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off"
        self.run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-o", opts, "-l", str(self.root / "server.log"),
                 "-w", "-t", "60", "start")

    def stop(self) -> None:
        self.run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop")

    def admin_url(self, db: str = "postgres") -> str:
        return f"postgresql+psycopg2://{self.admin}@/{db}?host={self.root}&port={self.port}"

    def reader_url(self, password: str = PASSWORD) -> str:
        return f"postgresql://reader:{password}@127.0.0.1:{self.port}/shop"


@pytest.fixture(scope="module")
def cluster():
    import sqlalchemy as sa

    root = Path(tempfile.mkdtemp(prefix="laceluxx-pg-"))
    c = Cluster(root)
    try:
        c.start()
    except RuntimeError as e:
        shutil.rmtree(root, ignore_errors=True)
        pytest.fail(str(e))
    try:
        eng = sa.create_engine(c.admin_url(), isolation_level="AUTOCOMMIT")
        with eng.connect() as conn:
            conn.exec_driver_sql("CREATE DATABASE shop")
            conn.exec_driver_sql(f"CREATE ROLE reader LOGIN PASSWORD '{PASSWORD}'")
        eng.dispose()
        eng = sa.create_engine(c.admin_url("shop"))
        with eng.begin() as conn:
            for f in sorted(SAMPLE_DIR.glob("*.csv")):  # every cell as text, exactly as in the CSV
                df = pd.read_csv(f, dtype=str, keep_default_na=False)
                df.to_sql(f.stem, conn, index=False, dtype={col: sa.Text() for col in df.columns})
            conn.exec_driver_sql("GRANT SELECT ON ALL TABLES IN SCHEMA public TO reader")
        eng.dispose()
        yield c
    finally:
        try:
            c.stop()
        finally:
            shutil.rmtree(root, ignore_errors=True)


def test_postgres_tables_equal_the_csv_tables(cluster):
    a = load_dataset(cluster.reader_url(), use_cache=False)
    b = load_dataset(SAMPLE_DIR, use_cache=False)
    assert sorted(a.tables) == sorted(b.tables)
    for name in b.tables:
        pd.testing.assert_frame_equal(a.tables[name], b.tables[name], obj=name)
    assert a.source == f"postgresql://reader:***@127.0.0.1:{cluster.port}/shop"
    assert PASSWORD not in repr(a.source) + repr(a.notes) + repr(a.quality.to_dict())


def test_postgres_session_is_read_only(cluster):
    from sqlalchemy.engine import make_url

    from lib.data.sql_source import read_only_engine

    eng = read_only_engine(make_url(cluster.reader_url()))
    with eng.connect() as conn:
        assert conn.exec_driver_sql("SHOW transaction_read_only").scalar() == "on"
        with pytest.raises(Exception, match="read-only transaction"):
            conn.exec_driver_sql("CREATE TABLE intruder (a text)")
    eng.dispose()


def test_wrong_password_is_a_masked_error(cluster):
    with pytest.raises(ContractError) as e:
        load_dataset(cluster.reader_url("wrong-pw-123"), use_cache=False)
    msg = str(e.value)
    assert "wrong-pw-123" not in msg and "reader:***@" in msg and "cannot" in msg, msg


def test_report_from_postgres_writes_the_same_metrics_as_from_csv(cluster, tmp_path):
    from tests.data.test_sql_source import csv_run_metrics, run_metrics

    url = cluster.reader_url()
    pg, text = run_metrics(url, tmp_path / "pg_run")
    assert PASSWORD not in text
    assert f"Source: postgresql://reader:***@127.0.0.1:{cluster.port}/shop" in text
    run_dir = next((tmp_path / "pg_run").glob("*/metrics.json")).parent
    for f in [*run_dir.glob("*.html"), run_dir / "metrics.json"]:
        assert PASSWORD not in f.read_text(errors="replace"), f.name
    assert pg["data_source"] == f"postgresql://reader:***@127.0.0.1:{cluster.port}/shop"
    csv = csv_run_metrics(tmp_path)
    assert pg["period"] == csv["period"]
    assert pg["metrics"] == csv["metrics"]
    assert json.dumps(pg["metrics"], sort_keys=True) == json.dumps(csv["metrics"], sort_keys=True)
