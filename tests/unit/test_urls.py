"""The API's modules are tried in an order chosen for speed (config/urls.py): that order must
not decide which view answers, so no address may match patterns of two modules."""

import re
from importlib import import_module

import pytest
from django.urls import URLPattern, resolve

MODULES = ["scoring.api.urls", "contest.api.urls", "scheduling.api.urls", "certificates.api.urls"]
SAMPLES = {"int": "7", "slug": "hoi-thi-2026", "str": "abc", "uuid": "0" * 32, "path": "a/b"}


def example_address(route: str) -> str:
    """The route with a sample value for each converter: "rounds/<int:pk>/" -> "rounds/7/"."""
    return re.sub(
        r"<(?:(\w+):)?\w+>", lambda converter: SAMPLES[converter.group(1) or "str"], route
    )


def patterns_of(module: str) -> list[URLPattern]:
    found = import_module(module).urlpatterns
    assert all(isinstance(pattern, URLPattern) for pattern in found), module
    return found


@pytest.mark.parametrize("module", MODULES)
def test_no_api_address_matches_patterns_of_two_modules(module):
    others = [pattern for other in MODULES if other != module for pattern in patterns_of(other)]
    for pattern in patterns_of(module):
        address = example_address(str(pattern.pattern))
        assert [str(o.pattern) for o in others if o.pattern.match(address)] == [], address
        assert resolve(f"/api/{address}").url_name == pattern.name, address
