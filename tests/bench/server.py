"""gunicorn as production runs it (config/gunicorn.conf.py, DEBUG=0), for the load benchmarks."""

import hashlib
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles.finders import get_finders
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def production_env(port: int, secret_key: str | None = None, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "DEBUG": "0",
        "SECRET_KEY": secret_key or secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        "SECURE_COOKIES": "0",
        "SITE_URL": f"http://127.0.0.1:{port}",
        "LOG_LEVEL": "ERROR",  # not a line per refused request
        **extra,
    }


def collect_static(env: dict[str, str]) -> None:
    """`collectstatic` as production runs it, skipped when the source files have not changed
    since the last time: compressing the API docs' bundles takes about a minute."""
    stamp = settings.STATIC_ROOT / ".sources-fingerprint"
    fingerprint = _static_sources_fingerprint()
    if stamp.exists() and stamp.read_text() == fingerprint:
        return
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=ROOT,
        env=env,
        check=True,
    )
    stamp.write_text(fingerprint)


def _static_sources_fingerprint() -> str:
    digest = hashlib.sha256()
    files = []
    for finder in get_finders():
        for path, storage in finder.list(["CVS", ".*", "*~"]):
            stat = os.stat(storage.path(path))
            files.append(f"{path}\0{stat.st_size}\0{stat.st_mtime_ns}\n")
    for line in sorted(files):
        digest.update(line.encode())
    return digest.hexdigest()


@contextmanager
def gunicorn(port: int, env: dict[str, str], application: str) -> Iterator[subprocess.Popen]:
    """Collect the static files, serve `application` on the port, wait until it accepts
    connections; stopped on leaving."""
    collect_static(env)
    connection.close()  # nothing held open across the run
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--config",
            str(ROOT / "config" / "gunicorn.conf.py"),
            "--bind",
            f"127.0.0.1:{port}",
            application,
        ],
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise
                time.sleep(0.2)
        yield server
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)


def _process_cpu(stat: str, tick: int) -> tuple[str, float]:
    """(command name, CPU seconds) from the text of /proc/<pid>/stat."""
    name = stat[stat.index("(") + 1 : stat.rindex(")")]
    fields = stat.rsplit(")", 1)[1].split()
    return name, (int(fields[11]) + int(fields[12])) / tick


def cpu_sample(server_pid: int) -> dict[str, float]:
    """CPU seconds used so far by the web server's process tree, by PostgreSQL's and Redis's
    processes (every process of that name on the machine: the services are shared), and by the
    whole machine (busy and total, from /proc/stat). Subtract two samples for a phase's."""
    tick = os.sysconf("SC_CLK_TCK")
    sample = {"gunicorn": process_tree_cpu(server_pid), "postgres": 0.0, "redis": 0.0}
    for stat_file in Path("/proc").glob("[0-9]*/stat"):
        try:
            name, seconds = _process_cpu(stat_file.read_text(), tick)
        except (OSError, ValueError, IndexError):
            continue  # the process ended meanwhile
        if name == "postgres":
            sample["postgres"] += seconds
        elif name.startswith("redis-server"):
            sample["redis"] += seconds
    try:
        ticks = [int(t) for t in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except OSError:
        ticks = [0] * 8
    idle = ticks[3] + ticks[4]  # idle + iowait
    sample["machine_total"] = sum(ticks[:8]) / tick
    sample["machine_busy"] = (sum(ticks[:8]) - idle) / tick
    return sample


def cpu_figures(before: dict[str, float], after: dict[str, float], writes: int) -> dict:
    """A phase's CPU per write of each part, and how busy the machine was (percent)."""
    used = {key: after[key] - before[key] for key in before}
    per_write = {
        f"{part}_cpu_ms_per_write": round(used[part] * 1000 / max(writes, 1), 2)
        for part in ("gunicorn", "postgres", "redis")
    }
    busy, total = used["machine_busy"], used["machine_total"]
    per_write["machine_cpu_ms_per_write"] = round(busy * 1000 / max(writes, 1), 2)
    per_write["machine_busy_percent"] = round(100 * busy / total, 1) if total else None
    return per_write


def process_tree_cpu(pid: int) -> float:
    """CPU seconds (user + system) of a process and its children, from /proc (0 elsewhere)."""
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        _name, seconds = _process_cpu(
            Path(f"/proc/{pid}/stat").read_text(), os.sysconf("SC_CLK_TCK")
        )
    except OSError:
        return 0.0
    return seconds + sum(process_tree_cpu(int(child)) for child in children)
