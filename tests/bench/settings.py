"""The production settings, with the URLs of the public results benchmark (tests/bench/urls.py)."""

from config.settings import *  # noqa: F403

ROOT_URLCONF = "tests.bench.urls"
