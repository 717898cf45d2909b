"""Load benchmark: the demo contest's public results (GET /api/public/contests/<slug>/results/)
against a plain Django JSON view of the same size (tests/bench/urls.py), both in one gunicorn
with the production settings (config/gunicorn.conf.py) on PostgreSQL and Redis, under the same
concurrent load from wrk (Debian's package). Runs alternate between the two URLs and each
figure is the median of its runs. A third figure: conditional requests with the document's
ETag, answered 304."""

import os
import re
import shutil
import statistics
import subprocess
import urllib.request

from django.conf import settings
from django.core.management import call_command
from django.db import connection

from tests.bench.server import free_port, gunicorn, process_tree_cpu, production_env
from tests.bench.urls import SLUG

CONNECTIONS = 32
SECONDS = 5
RUNS = 3
GOAL = 0.8  # the endpoint's throughput against the plain view's


def wrk_binary() -> str | None:
    if shutil.which("wrk") is None and os.geteuid() == 0:
        subprocess.run(
            ["apt-get", "install", "-y", "-qq", "wrk"],
            env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
    return shutil.which("wrk")


def run_wrk(wrk: str, url: str, headers: dict[str, str] | None = None) -> dict:
    command = [wrk, "-t1", f"-c{CONNECTIONS}", f"-d{SECONDS}s", "--latency"]
    for name, value in (headers or {}).items():
        command += ["-H", f"{name}: {value}"]
    output = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    requests = int(re.search(r"(\d+) requests in", output).group(1))
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    errors = re.search(r"Socket errors: (.*)", output)
    latency = dict(re.findall(r"^\s+(50|99)%\s+([\d.]+\w+)", output, re.MULTILINE))
    return {
        "rate": rate,
        "requests": requests,
        "non_2xx_3xx": int(bad.group(1)) if bad else 0,
        "socket_errors": errors.group(1).strip() if errors else "none",
        "p50": latency.get("50"),
        "p99": latency.get("99"),
    }


def fetch(url: str, headers: dict[str, str] | None = None) -> tuple[int, dict, bytes]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), b""


def bench_public_results(emit) -> None:
    names = ("public_results_throughput", "public_results_conditional")
    if connection.vendor != "postgresql" or not settings.REDIS_URL:
        for name in names:
            emit(name, None, "requests/s", error="needs PostgreSQL and Redis")
        return
    wrk = wrk_binary()
    if wrk is None:
        for name in names:
            emit(name, None, "requests/s", error="needs wrk (apt-get install wrk)")
        return
    call_command("migrate", verbosity=0)
    call_command("load_demo", quiet=True)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = production_env(port, DJANGO_SETTINGS_MODULE="tests.bench.settings")
    endpoint = f"{base}/api/public/contests/{SLUG}/results/"
    plain = f"{base}/bench/plain-results/"
    with gunicorn(port, env, "tests.bench.wsgi:application") as server:
        status, headers, body = fetch(endpoint)
        if status != 200:
            raise RuntimeError(f"the public results answered {status}")
        plain_status, _headers, plain_body = fetch(plain)
        etag = headers.get("ETag")
        conditional_status = fetch(endpoint, {"If-None-Match": etag})[0] if etag else None
        for url in (plain, endpoint):  # warm both: imports, connections, the cache
            run_wrk(wrk, url)
        runs = {"plain": [], "endpoint": [], "conditional": []}

        def measured(url: str, headers=None) -> dict:
            cpu = process_tree_cpu(server.pid)
            run = run_wrk(wrk, url, headers)
            run["server_cpu_ms"] = (process_tree_cpu(server.pid) - cpu) * 1000 / run["requests"]
            return run

        for _ in range(RUNS):
            runs["plain"].append(measured(plain))
            runs["endpoint"].append(measured(endpoint))
            if etag:
                runs["conditional"].append(measured(endpoint, {"If-None-Match": etag}))

    def median(name: str) -> dict:
        chosen = sorted(runs[name], key=lambda run: run["rate"])[len(runs[name]) // 2]
        return {
            **chosen,
            "rates": [round(run["rate"], 1) for run in runs[name]],
            "cpu_ms": round(statistics.median(run["server_cpu_ms"] for run in runs[name]), 3),
        }

    endpoint_run, plain_run = median("endpoint"), median("plain")
    emit(
        names[0],
        endpoint_run["rate"],
        "requests/s",
        baseline=round(plain_run["rate"], 1),
        ratio=round(endpoint_run["rate"] / plain_run["rate"], 2),
        goal=f">= {GOAL} x the plain view",
        endpoint_rates=endpoint_run["rates"],
        plain_rates=plain_run["rates"],
        # Each interleaved pair's ratio: the machine's speed drifts between runs.
        pair_ratios=[
            round(e["rate"] / p["rate"], 2)
            for e, p in zip(runs["endpoint"], runs["plain"], strict=True)
        ],
        endpoint_server_cpu_ms_per_request=endpoint_run["cpu_ms"],
        plain_server_cpu_ms_per_request=plain_run["cpu_ms"],
        endpoint_p50=endpoint_run["p50"],
        endpoint_p99=endpoint_run["p99"],
        plain_p50=plain_run["p50"],
        plain_p99=plain_run["p99"],
        body_bytes=len(body),
        plain_body_bytes=len(plain_body) if plain_status == 200 else None,
        connections=CONNECTIONS,
        seconds_per_run=SECONDS,
        runs=RUNS,
        non_2xx_3xx=sum(r["non_2xx_3xx"] for r in runs["endpoint"] + runs["plain"]),
        load=f"wrk -t1 -c{CONNECTIONS}",
    )
    if etag:
        conditional = median("conditional")
        emit(
            names[1],
            conditional["rate"],
            "requests/s",
            status_with_etag=conditional_status,
            server_cpu_ms_per_request=conditional["cpu_ms"],
            rates=conditional["rates"],
            p50=conditional["p50"],
            p99=conditional["p99"],
            non_2xx_3xx=sum(r["non_2xx_3xx"] for r in runs["conditional"]),
        )
    else:
        emit(names[1], None, "requests/s", note="the endpoint sent no ETag")
