"""Real services on loopback: Redis and a Pushgateway started on free ports, PostgreSQL found
at 127.0.0.1:5432 (or NIVESH_TEST_PG_DSN). Skipped with the install command when absent."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from nivesh.local import processes


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    exe = shutil.which("redis-server")
    if exe is None:
        pytest.skip("redis-server not installed: sudo apt-get install redis-server")
    port = processes.free_port()
    folder = tmp_path_factory.mktemp("redis")
    proc = subprocess.Popen(
        [
            exe,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(folder),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )
    import redis

    client = redis.Redis(port=port, socket_timeout=2)
    for _ in range(50):
        try:
            client.ping()
            break
        except redis.ConnectionError:
            time.sleep(0.1)
    yield f"redis://127.0.0.1:{port}/0"
    proc.terminate()
    proc.wait(10)


@pytest.fixture(scope="session")
def pg_dsn() -> Iterator[str]:
    """A fresh database on the local PostgreSQL server, dropped afterwards."""
    import psycopg

    admin = os.environ.get("NIVESH_TEST_PG_DSN", "postgresql://postgres@127.0.0.1:5432/postgres")
    name = f"nivesh_test_{uuid.uuid4().hex[:8]}"
    try:
        with psycopg.connect(admin, autocommit=True, connect_timeout=5) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.OperationalError as exc:
        pytest.skip(f"no PostgreSQL at {admin} ({exc}); start it or set NIVESH_TEST_PG_DSN")
    base = admin.rsplit("/", 1)[0]
    yield f"{base}/{name}"
    with psycopg.connect(admin, autocommit=True, connect_timeout=5) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def pushgateway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if shutil.which("prometheus-pushgateway") is None:
        pytest.skip("prometheus-pushgateway not installed: sudo apt-get install prometheus-pushgateway")
    proc = processes.start_pushgateway(Path(tmp_path_factory.mktemp("pgw")) / "log")
    yield proc.url
    proc.stop()


class OwnPostgres:
    """A PostgreSQL server of the test's own (initdb on a free port), so that a test may stop
    and start it without touching the machine's. As root, it runs as the `postgres` user."""

    def __init__(self, folder: Path) -> None:
        self.folder, self.port = folder, processes.free_port()
        self.data = folder / "data"
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *args: str) -> None:
        user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        subprocess.run([*user, *args], check=True, capture_output=True, timeout=60)

    def init(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            shutil.chown(self.folder, "postgres", "postgres")
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "--no-sync")

    def start(self) -> None:
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run("pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.folder / "log"), "-w", "start")

    def stop(self) -> None:
        """Fast shutdown: open connections are cut, as when the database's pod goes away."""
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")


@pytest.fixture
def own_postgres() -> Iterator[OwnPostgres]:
    if shutil.which("initdb") is None or shutil.which("pg_ctl") is None:
        pytest.skip("PostgreSQL's initdb / pg_ctl not on PATH: sudo apt-get install postgresql")
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix="nivesh-pg-"))  # /tmp: the postgres user can reach it
    os.chmod(folder, 0o755)
    pg = OwnPostgres(folder / "pg")
    pg.init()
    yield pg
    with contextlib.suppress(subprocess.CalledProcessError):  # stopped already
        pg.stop()
    shutil.rmtree(folder, ignore_errors=True)
