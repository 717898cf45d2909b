"""Services of a test's own, for the tests that stop or restart them (issue 9): a Redis server
and a PostgreSQL cluster on free ports in the test's folder, never the shared ones the rest of
the suite uses; and a plain HTTP client for talking to gunicorn (tests/bench/server.py) as a
tablet does, session cookie and CSRF token included."""

import http.client
import json
import os
import pwd
import secrets
import shutil
import socket
import string
import subprocess
import tempfile
from pathlib import Path

import pytest

from tests.bench.server import free_port
from tests.conftest import REQUIRE_SERVICES
from tests.thin_path import wait_for


def require_binary(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        reason = f"{name} is not installed"
        if REQUIRE_SERVICES:
            pytest.fail(f"REQUIRE_SERVICES=1 but {reason}", pytrace=False)
        pytest.skip(reason)
    return path


class ThrowawayRedis:
    """A redis-server that keeps nothing on disk: stopped, it loses every queued task, as a
    crashed broker without persistence does."""

    def __init__(self, folder: Path):
        self.binary = require_binary("redis-server")
        self.folder = folder
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", ""]
            + ["--appendonly", "no", "--dir", str(self.folder)],
            stdout=(self.folder / "redis.log").open("a"),
            stderr=subprocess.STDOUT,
        )
        wait_for(self._answers, timeout=10)

    def kill(self) -> None:
        """SIGKILL: no goodbye to the clients, nothing saved."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)

    def _answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), 0.2) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False


class ThrowawayPostgres:
    """A PostgreSQL cluster of the test's own (initdb, trust authentication) in a folder of
    its own under /tmp: run as the `postgres` system user when the test runs as root, which
    PostgreSQL refuses, and pytest's own folders are closed to other users."""

    def __init__(self):
        self.initdb = require_binary("initdb")
        self.pg_ctl = require_binary("pg_ctl")
        self.folder = Path(tempfile.mkdtemp(prefix="hoithi-pg-"))
        self.data = self.folder / "data"
        self.log = self.folder / "postgres.log"
        self.port = free_port()
        self.user = "postgres"
        self._as: list[str] = []
        if os.geteuid() == 0:
            owner = pwd.getpwnam("postgres")
            os.chown(self.folder, owner.pw_uid, owner.pw_gid)
            self._as = ["runuser", "-u", "postgres", "--"]

    def url(self, database: str) -> str:
        return f"postgres://{self.user}@127.0.0.1:{self.port}/{database}"

    def _run(self, *command: str, timeout: float = 60) -> None:
        result = subprocess.run(
            [*self._as, *command], capture_output=True, text=True, timeout=timeout
        )
        if result.returncode != 0:
            raise AssertionError(f"{' '.join(command)} failed:\n{result.stdout}{result.stderr}")

    def init(self) -> None:
        self._run(self.initdb, "-D", str(self.data), "-U", self.user, "--auth=trust")

    def start(self) -> None:
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1"
        self._run(
            self.pg_ctl, "-D", str(self.data), "-l", str(self.log), "-o", options, "-w", "start"
        )

    def crash_and_restart(self) -> None:
        """An immediate shutdown (every connection cut, no checkpoint: crash recovery from the
        write-ahead log on the way back up), then start again."""
        self._run(self.pg_ctl, "-D", str(self.data), "-m", "immediate", "-w", "stop")
        self.start()

    def destroy(self) -> None:
        if (self.data / "postmaster.pid").exists():
            self._run(self.pg_ctl, "-D", str(self.data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.folder, ignore_errors=True)


class HttpTablet:
    """One browser-like client of a live server: keep-alive connection, cookies, CSRF token
    (any 32-character secret does for Django, as on a tablet whose cookie was just set)."""

    def __init__(self, port: int, session_key: str = "", timeout: float = 30):
        self.port, self.timeout = port, timeout
        alphabet = string.ascii_letters + string.digits
        csrf = "".join(secrets.choice(alphabet) for _ in range(32))
        self.cookies = {"sessionid": session_key, "csrftoken": csrf}
        self.connection: http.client.HTTPConnection | None = None

    def request(self, method: str, path: str, body: bytes = b"", headers=None):
        """(status, headers, body); a connection error is raised as OSError."""
        headers = {
            "Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items()),
            "X-CSRFToken": self.cookies["csrftoken"],  # a login sets a new one
            **(headers or {}),
        }
        if self.connection is None:
            self.connection = http.client.HTTPConnection("127.0.0.1", self.port, self.timeout)
        try:
            self.connection.request(method, path, body=body, headers=headers)
            response = self.connection.getresponse()
            data = response.read()
        except (OSError, http.client.HTTPException) as error:
            self.close()
            raise OSError(f"{method} {path}: {error!r}") from error
        if response.getheader("Connection", "").lower() == "close":
            self.close()
        return response.status, response, data

    def get(self, path: str):
        return self.request("GET", path)

    def log_in(self, login_path: str) -> None:
        """Open a judge's personal login link: the session cookie it sets replaces ours."""
        status, response, _ = self.get(login_path)
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, value = header.split(";", 1)[0].partition("=")
            self.cookies[name.strip()] = value.strip()
        assert status == 302 and self.cookies.get("sessionid"), (status, login_path)

    def post_json(self, path: str, body, **headers):
        return self.request(
            "POST", path, json.dumps(body).encode(), {"Content-Type": "application/json", **headers}
        )

    def post_form(self, path: str, fields: list[tuple[str, str]]):
        from urllib.parse import urlencode

        body = urlencode([*fields, ("csrfmiddlewaretoken", self.cookies["csrftoken"])]).encode()
        return self.request(
            "POST", path, body, {"Content-Type": "application/x-www-form-urlencoded"}
        )

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
        self.connection = None


def session_key_for(user, secret_key: str) -> str:
    """A signed-in session of `user` in the database, signed with the live server's key (the
    server reads it from there)."""
    from django.test import Client, override_settings

    with override_settings(SECRET_KEY=secret_key):
        client = Client()
        client.force_login(user)
    return client.cookies["sessionid"].value
