"""Deployment: docker-compose.yml, the Dockerfile, and the settings production relies on.

The compose file is checked by `docker compose config` where the Compose v2 plugin is
installed, and always against the Compose Specification JSON schema vendored in
tests/data/compose-spec.json (compose-spec/compose-spec, schema/compose-spec.json,
Apache-2.0), together with a small emulation of Compose's variable interpolation.
Settings are checked in subprocesses with a clean environment, so that nothing (such as
DATABASE_URL or REDIS_URL exported by CI) leaks in from the parent process.
"""

import json
import os
import re
import secrets
import shutil
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = ROOT / "docker-compose.yml"
COMPOSE_SCHEMA = ROOT / "tests" / "data" / "compose-spec.json"
APP_SERVICES = ("migrate", "web", "worker", "beat")
TIMEOUT = 120


def production_secret() -> str:
    return secrets.token_urlsafe(48)  # 64 characters


def compose() -> dict:
    return yaml.safe_load(COMPOSE_FILE.read_text())


# --- Compose variable interpolation (the subset docker-compose.yml uses) ----------------

INTERPOLATION = re.compile(
    r"\$(?:(?P<escaped>\$)"
    r"|\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-?])(?P<arg>[^}]*))?\}"
    r"|(?P<bare>[A-Za-z_][A-Za-z0-9_]*))"
)


class MissingRequiredVariable(Exception):
    pass


def interpolate(value, env: dict[str, str]):
    """Resolve ${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?error}, ${VAR?error}, $$."""
    if isinstance(value, dict):
        return {key: interpolate(item, env) for key, item in value.items()}
    if isinstance(value, list):
        return [interpolate(item, env) for item in value]
    if not isinstance(value, str):
        return value

    def replace(match: re.Match) -> str:
        if match["escaped"]:
            return "$"
        name = match["name"] or match["bare"]
        op, arg = match["op"], match["arg"]
        present = name in env and (env[name] != "" or not (op or "").startswith(":"))
        if present:
            return env[name]
        if op in {":?", "?"}:
            raise MissingRequiredVariable(f"{name}: {arg}")
        if op in {":-", "-"}:
            return arg
        return ""

    stray = INTERPOLATION.sub("", value)
    assert "$" not in stray, f"unsupported interpolation syntax in {value!r}"
    return INTERPOLATION.sub(replace, value)


def compose_variables() -> set[str]:
    text = COMPOSE_FILE.read_text()
    return {m["name"] or m["bare"] for m in INTERPOLATION.finditer(text) if not m["escaped"]}


# --- docker-compose.yml --------------------------------------------------------------------


def docker_compose_available() -> bool:
    if not shutil.which("docker"):
        return False
    probe = subprocess.run(
        ["docker", "compose", "version"], capture_output=True, text=True, timeout=TIMEOUT
    )
    return probe.returncode == 0


def compose_env(**extra: str) -> dict[str, str]:
    """The caller's environment without any variable the compose file interpolates."""
    variables = compose_variables()
    env = {k: v for k, v in os.environ.items() if k not in variables}
    env.update(extra)
    return env


def check_with_docker_compose() -> None:
    """`docker compose config` accepts the file with a secret and refuses it without one."""
    command = ["docker", "compose", "-f", str(COMPOSE_FILE), "config", "-q"]
    ok = subprocess.run(
        command,
        cwd=ROOT,
        env=compose_env(SECRET_KEY=production_secret()),
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )
    assert ok.returncode == 0, ok.stderr
    refused = subprocess.run(
        command, cwd=ROOT, env=compose_env(), capture_output=True, text=True, timeout=TIMEOUT
    )
    assert refused.returncode != 0
    assert "SECRET_KEY" in refused.stderr


def test_compose_file_is_valid():
    """Checked against the Compose Specification schema everywhere, and by `docker compose
    config` itself where the plugin is installed (Debian's apt has no compose v2 plugin)."""
    if docker_compose_available():
        check_with_docker_compose()
    schema = json.loads(COMPOSE_SCHEMA.read_text())
    assert schema["title"] == "Compose Specification"
    jsonschema.Draft7Validator.check_schema(schema)
    validator = jsonschema.Draft7Validator(schema)
    errors = sorted(validator.iter_errors(compose()), key=lambda e: list(e.absolute_path))
    assert not errors, "\n".join(
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in errors
    )
    # And after interpolation, as `docker compose config` would see it.
    resolved = interpolate(compose(), {"SECRET_KEY": production_secret()})
    assert not list(validator.iter_errors(resolved))


def test_compose_refuses_to_start_without_secret_key():
    with pytest.raises(MissingRequiredVariable, match="SECRET_KEY"):
        interpolate(compose(), {})
    with pytest.raises(MissingRequiredVariable, match="SECRET_KEY"):
        interpolate(compose(), {"SECRET_KEY": ""})


def test_compose_environment_defaults():
    key = production_secret()
    services = interpolate(compose(), {"SECRET_KEY": key})["services"]
    for name in APP_SERVICES:
        env = services[name]["environment"]
        assert env["SECRET_KEY"] == key
        assert env["DEBUG"] == "0"
        assert env["DATABASE_URL"] == "postgres://hoithi:hoithi@postgres:5432/hoithi"
        assert env["REDIS_URL"] == "redis://redis:6379/0"
        assert env["ALLOWED_HOSTS"] == "localhost,127.0.0.1"
        assert env["SECURE_SSL_REDIRECT"] == "0"
        assert env["MEDIA_ROOT"] == "/data/media"
    overridden = interpolate(
        compose(), {"SECRET_KEY": key, "SECURE_SSL_REDIRECT": "1", "ALLOWED_HOSTS": "a.example"}
    )["services"]["web"]["environment"]
    assert overridden["SECURE_SSL_REDIRECT"] == "1"
    assert overridden["ALLOWED_HOSTS"] == "a.example"


def test_compose_services_and_their_wiring():
    services = compose()["services"]
    assert {"web", "worker", "beat", "migrate", "postgres", "redis"} <= set(services)

    assert services["postgres"]["image"].startswith("postgres:16")
    assert services["redis"]["image"].startswith("redis:7")
    for name in ("postgres", "redis", "web", "worker"):
        assert services[name].get("healthcheck", {}).get("test"), f"{name} has no healthcheck"
    assert "pg_isready" in " ".join(services["postgres"]["healthcheck"]["test"])
    assert "ping" in services["redis"]["healthcheck"]["test"]

    for name in APP_SERVICES:
        assert services[name]["image"] == "hoithi:latest"
        assert services[name]["build"] == "."

    migrate = services["migrate"]
    assert migrate["restart"] == "no"
    assert ["manage.py", "migrate", "--noinput"] == migrate["command"][1:]
    assert migrate["depends_on"]["postgres"]["condition"] == "service_healthy"

    for name in ("web", "worker", "beat"):
        depends = services[name]["depends_on"]
        assert depends["migrate"]["condition"] == "service_completed_successfully"
        assert depends["redis"]["condition"] == "service_healthy"

    web = services["web"]
    assert web["command"][:4] == [
        "gunicorn",
        "-c",
        "config/gunicorn.conf.py",
        "config.wsgi:application",
    ]
    assert "0.0.0.0:8000" in web["command"]
    assert "8000:8000" in web["ports"]
    assert services["worker"]["command"][:4] == ["celery", "-A", "config", "worker"]
    assert services["beat"]["command"][:4] == ["celery", "-A", "config", "beat"]
    assert "inspect ping" in " ".join(services["worker"]["healthcheck"]["test"])

    # Certificates: written by the worker, served by web, from one named volume.
    for name in ("web", "worker"):
        assert "media:/data/media" in services[name]["volumes"]
    assert "media" in compose()["volumes"]
    assert "pgdata:/var/lib/postgresql/data" in services["postgres"]["volumes"]


def test_web_healthcheck_is_valid_python_without_curl():
    test = compose()["services"]["web"]["healthcheck"]["test"]
    assert test[:3] == ["CMD", "python", "-c"]
    source = test[3]
    compile(source, "web-healthcheck", "exec")
    assert "http://127.0.0.1:8000/" in source
    # Behind SECURE_SSL_REDIRECT=1 the probe must not be redirected to https.
    assert "X-Forwarded-Proto" in source


# --- Dockerfile ----------------------------------------------------------------------------


def test_dockerfile_builds_a_non_root_gunicorn_image():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert re.search(r"^FROM python:3\.11-slim-bookworm\b", dockerfile, re.M)
    for package in ("libpango-1.0-0", "libpangoft2-1.0-0", "libharfbuzz0b", "libharfbuzz-subset0"):
        assert package in dockerfile
    assert "--no-install-recommends" in dockerfile
    assert "rm -rf /var/lib/apt/lists/*" in dockerfile
    assert "-c constraints.txt" in dockerfile
    assert "collectstatic --noinput" in dockerfile
    users = re.findall(r"^USER\s+(\S+)", dockerfile, re.M)
    assert users and users[-1] not in {"root", "0"}
    assert "ENV" in dockerfile and "DJANGO_SETTINGS_MODULE=config.settings" in dockerfile
    assert "PYTHONUNBUFFERED=1" in dockerfile
    assert re.search(r"^EXPOSE 8000$", dockerfile, re.M)
    cmd = re.search(r"^CMD (\[.*\])$", dockerfile, re.M)
    # The tuned settings (workers, threads, keep-alive) live in one file for every launcher.
    assert cmd and json.loads(cmd[1]) == [
        "gunicorn",
        "-c",
        "config/gunicorn.conf.py",
        "config.wsgi:application",
        "--bind",
        "0.0.0.0:8000",
        "--access-logfile",
        "-",
    ]


def test_dockerignore_keeps_local_state_out_of_the_image():
    ignored = {
        line.strip().rstrip("/")
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    }
    for entry in (
        ".venv",
        ".git",
        "db.sqlite3",
        "media",
        "staticfiles",
        "test-artifacts",
        "__pycache__",
        ".pytest_cache",
        ".ruff_cache",
    ):
        assert entry in ignored, entry


# --- Settings in production and development -------------------------------------------------


def clean_env(**values: str | None) -> dict[str, str]:
    """PATH and HOME only, plus `values` (a None value leaves that variable out)."""
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": os.environ.get("HOME", "/")}
    env.update({k: v for k, v in values.items() if v is not None})
    return env


def manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )


def production_env(tmp_path: Path, **overrides: str | None) -> dict[str, str]:
    values = {
        "DEBUG": "0",
        "SECRET_KEY": production_secret(),
        "ALLOWED_HOSTS": "hoithi.example.org",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
    }
    values.update(overrides)
    return clean_env(**values)


def test_deploy_check_passes_with_production_settings(tmp_path):
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=production_env(tmp_path))
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "System check identified no issues" in output
    assert "WARNING" not in output


def test_deploy_check_flags_only_the_ssl_redirect_when_it_is_left_to_a_proxy(tmp_path):
    """SECURE_SSL_REDIRECT=0 (the compose default, for a TLS proxy) is the one warning."""
    result = manage("check", "--deploy", env=production_env(tmp_path, SECURE_SSL_REDIRECT="0"))
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert set(re.findall(r"\(security\.\w+\)", output)) == {"(security.W008)"}


@pytest.mark.parametrize(
    "secret_key", [None, "", "django-insecure-hoithi-development-only", "x" * 49]
)
def test_production_refuses_to_start_without_a_real_secret_key(tmp_path, secret_key):
    result = manage("check", env=production_env(tmp_path, SECRET_KEY=secret_key))
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_development_defaults_need_no_secret_key(tmp_path):
    env = clean_env(DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}")
    assert "DEBUG" not in env and "SECRET_KEY" not in env
    result = manage("check", env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


# --- REDIS_URL switches Celery and the cache --------------------------------------------------

PROBE = """
import json
from django.conf import settings
from config.celery import app
print(json.dumps({
    "eager": app.conf.task_always_eager,
    "broker": app.conf.broker_url,
    "backend": app.conf.result_backend,
    "cache": settings.CACHES["default"]["BACKEND"],
    "cache_location": settings.CACHES["default"].get("LOCATION"),
    "visibility_timeout": app.conf.broker_transport_options.get("visibility_timeout"),
    "time_limit": app.conf.task_time_limit,
}))
"""


def probe_celery(env: dict[str, str]) -> dict:
    env = {"DJANGO_SETTINGS_MODULE": "config.settings", **env}
    result = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_without_redis_url_tasks_run_eagerly_with_a_local_memory_cache():
    conf = probe_celery(clean_env())
    assert conf["eager"] is True
    assert conf["broker"] == "memory://localhost/"
    assert conf["cache"] == "django.core.cache.backends.locmem.LocMemCache"


def test_redis_url_makes_redis_the_broker_result_backend_and_cache():
    url = "redis://127.0.0.1:6379/5"
    conf = probe_celery(clean_env(REDIS_URL=url))
    assert conf["eager"] is False
    assert conf["broker"] == url
    assert conf["backend"] == url
    assert conf["cache"] == "django_redis.cache.RedisCache"
    assert conf["cache_location"] == url


def test_a_killed_worker_s_task_is_handed_out_again_within_half_a_minute():
    """Redis's default visibility timeout would hold it for an hour; no task may outlive the
    timeout, or a second worker would start it while the first still runs."""
    conf = probe_celery(clean_env(REDIS_URL="redis://127.0.0.1:6379/5"))
    assert conf["visibility_timeout"] == 30
    assert conf["time_limit"] < conf["visibility_timeout"]
    longer = probe_celery(clean_env(CELERY_VISIBILITY_TIMEOUT="120"))
    assert (longer["visibility_timeout"], longer["time_limit"]) == (120, 115)


@pytest.mark.parametrize("timeout", ["5", "0", "-1"])
def test_a_visibility_timeout_too_short_to_run_a_task_is_refused(tmp_path, timeout):
    result = manage("check", env=production_env(tmp_path, CELERY_VISIBILITY_TIMEOUT=timeout))
    assert result.returncode != 0
    assert f"CELERY_VISIBILITY_TIMEOUT must be at least 10, not {timeout}." in result.stderr


@pytest.mark.parametrize(
    "name", ["CELERY_VISIBILITY_TIMEOUT", "DB_CONN_MAX_AGE", "RECONCILE_INTERVAL_SECONDS"]
)
def test_a_setting_that_is_not_a_number_stops_start_up_with_its_name(tmp_path, name):
    result = manage("check", env=production_env(tmp_path, **{name: "thirty"}))
    assert result.returncode != 0
    assert f"{name} must be a number, not 'thirty'." in result.stderr


# --- Over HTTPS: HSTS, secure cookies; passwords validated ------------------------------------

HTTPS_PROBE = """
import json
import django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import SetPasswordForm
from django.test import Client
user = get_user_model().objects.create_user("probe", password="Bốn mùa hoa nở 2026!")
client = Client(HTTP_HOST="hoithi.example.org")
plain = client.get("/accounts/login/")
page = client.get("/accounts/login/", secure=True)
login = client.post(
    "/accounts/login/", {"username": "probe", "password": "Bốn mùa hoa nở 2026!"}, secure=True
)
def cookie(response, name):
    morsel = response.cookies[name]
    return {"secure": bool(morsel["secure"]), "httponly": bool(morsel["httponly"]),
            "samesite": morsel["samesite"]}
weak = {p: SetPasswordForm(user, {"new_password1": p, "new_password2": p}).errors
        for p in ["12345678", "password", "probe123", "ngắn"]}
print(json.dumps({
    "plain": [plain.status_code, plain.headers.get("Location")],
    "hsts": page.headers.get("Strict-Transport-Security"),
    "nosniff": page.headers.get("X-Content-Type-Options"),
    "login": login.status_code,
    "csrf_cookie": cookie(page, "csrftoken"),
    "session_cookie": cookie(login, "sessionid"),
    "weak_refused": {p: bool(errors) for p, errors in weak.items()},
}))
"""


def test_over_https_cookies_are_secure_hsts_is_sent_and_weak_passwords_are_refused(tmp_path):
    env = production_env(tmp_path, DATABASE_URL="sqlite:///:memory:")
    result = subprocess.run(
        [sys.executable, "-c", HTTPS_PROBE],
        cwd=ROOT,
        env={"DJANGO_SETTINGS_MODULE": "config.settings", **env},
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )
    assert result.returncode == 0, result.stderr
    probe = json.loads(result.stdout.strip().splitlines()[-1])
    assert probe["plain"] == [301, "https://hoithi.example.org/accounts/login/"]
    assert probe["hsts"] == "max-age=31536000; includeSubDomains; preload"
    assert probe["nosniff"] == "nosniff"
    assert probe["login"] == 302
    assert probe["session_cookie"] == {"secure": True, "httponly": True, "samesite": "Lax"}
    assert probe["csrf_cookie"]["secure"] is True
    assert probe["weak_refused"] == {p: True for p in probe["weak_refused"]}


def test_gunicorn_workers_freeze_the_loaded_app_out_of_garbage_collection():
    """Full collections pause every thread of a worker: the app loaded at start is left out."""
    import gc
    import runpy

    conf = runpy.run_path(str(Path(__file__).resolve().parents[2] / "config/gunicorn.conf.py"))
    assert conf["worker_class"] == "gthread"
    before = gc.get_freeze_count()
    try:
        conf["post_worker_init"](worker=None)
        assert gc.get_freeze_count() > before
    finally:
        gc.unfreeze()
