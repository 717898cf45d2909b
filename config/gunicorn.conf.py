"""gunicorn settings for HoiThi: `gunicorn -c config/gunicorn.conf.py config.wsgi:application`.

Every setting can be overridden by the environment (GUNICORN_CMD_ARGS, WEB_CONCURRENCY) or on
the command line. Measured with `make bench` (100 judges submitting score sheets) on 2 cores
shared with PostgreSQL and Redis: see tests/bench/judges_load.py.
"""

import gc
import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
# One process per core, threads to fill the waits on PostgreSQL and Redis; the tablets keep
# their connections alive between writes. On 2 cores shared with PostgreSQL, 2 × 8 served
# the 100 judges at least as fast as 3 × 4 threads or 5 sync workers (53-66 against 52-57
# writes/s, 2-3 runs each on a noisy machine): more processes only contend with the
# database for the cores.
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "gthread")
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count()))
threads = int(os.environ.get("GUNICORN_THREADS", "8"))
keepalive = 15  # seconds: longer than a judge's pause between two marks sent
# A slow request is a bug to find, not a worker to kill and a sheet to retry.
timeout = 60
graceful_timeout = 30
accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or None


def post_worker_init(worker):
    """Leave the loaded application out of the garbage collector's full collections: they
    stop every thread of the worker, and scanning the modules, models and URLconf again in
    each of them made the longest pauses twice as long (79 ms against 39 ms in `make bench`),
    the judges' p99."""
    gc.freeze()
