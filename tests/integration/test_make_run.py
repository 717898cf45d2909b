"""`make run` from a clean copy of the repository: venv, install, migrate, demo, serve."""

import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
STARTUP_TIMEOUT = 480  # a fresh virtual environment is installed first


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def clean_copy(destination: Path) -> None:
    """The files git would check out (tracked, plus new files not ignored): no venv, no db."""
    listed = (
        subprocess.run(
            ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
            cwd=ROOT,
            check=True,
            capture_output=True,
        )
        .stdout.decode()
        .split("\0")
    )
    for name in filter(None, listed):
        source = ROOT / name
        if source.is_file():
            target = destination / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)


def fetch(url: str) -> tuple[int, str]:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.status, response.read().decode()


@pytest.mark.slow
def test_make_run_serves_the_demo_from_a_clean_copy(tmp_path):
    copy = tmp_path / "hoithi"
    clean_copy(copy)
    assert not (copy / ".venv").exists() and not (copy / "db.sqlite3").exists()
    port = free_port()
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "REDIS_URL", "VIRTUAL_ENV", "DJANGO_SETTINGS_MODULE"}
    }
    log = (tmp_path / "make-run.log").open("w+")
    process = subprocess.Popen(
        ["make", "run", f"PORT={port}"],
        cwd=copy,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while True:
            assert process.poll() is None, _tail(log)
            try:
                status, home = fetch(base + "/")
                break
            except OSError:
                assert time.monotonic() < deadline, _tail(log)
                time.sleep(1)
        assert status == 200
        assert "Dân vận khéo" in home
        status, schema = fetch(base + "/api/schema/")
        assert status == 200 and "openapi: 3" in schema and "/api/score-sheets/" in schema
        status, results = fetch(base + "/results/dan-van-kheo-khoi-2019/")
        assert status == 200 and "Vòng sơ khảo" in results
        output = _tail(log)
        assert "bantochuc" in output and "giamkhao1" in output  # the demo logins are printed
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
    assert (copy / ".venv" / "bin" / "python").exists()


def _tail(log) -> str:
    log.flush()
    log.seek(0)
    return log.read()[-5000:]
