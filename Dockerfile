# HoiThi production image: gunicorn (web), Celery worker and beat all run from this image.
#   docker build -t hoithi:latest .        (or: docker compose build)
# The code runs from the source checkout in /app (templates, static, fonts and locale files
# are read from there); the project is installed editable so `config`, `contest`, ... import
# from /app and every BASE_DIR-relative path resolves inside /app.
FROM python:3.11-slim-bookworm

ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=config.settings \
    DEBUG=0 \
    MEDIA_ROOT=/data/media

# Run-time libraries WeasyPrint needs: Pango for text layout, HarfBuzz subsetting for fonts.
# The certificate fonts ship in certificates/fonts, so no font package is installed here.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libpango-1.0-0 \
        libpangoft2-1.0-0 \
        libharfbuzz0b \
        libharfbuzz-subset0 \
    && rm -rf /var/lib/apt/lists/*

# Unprivileged user; /data/media is created with its ownership so that a named volume
# mounted there (shared by web and worker) starts out writable by it.
RUN groupadd --system --gid 10001 hoithi \
    && useradd --system --uid 10001 --gid hoithi --create-home --home-dir /home/hoithi \
        --shell /usr/sbin/nologin hoithi \
    && mkdir -p /data/media \
    && chown -R hoithi:hoithi /data

WORKDIR /app

# Dependencies first (cached until pyproject.toml or constraints.txt change): the
# [project] dependencies, pinned by constraints.txt.
COPY pyproject.toml constraints.txt ./
RUN python -c "import tomllib; deps = tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']; open('/tmp/requirements.txt', 'w').write('\n'.join(deps) + '\n')" \
    && pip install -c constraints.txt -r /tmp/requirements.txt \
    && rm /tmp/requirements.txt

# The source tree, then the project itself (editable: it points at /app, no second copy).
COPY . .
RUN pip install --no-deps -c constraints.txt -e . \
    && python -c "import config, contest, scheduling, scoring, certificates"

# Translations: compile locale/**/*.po to .mo (msgfmt comes from gettext, which is only
# needed here, so it is installed and removed within this one layer).
RUN if find . -name '*.po' | grep -q .; then \
        apt-get update \
        && apt-get install -y --no-install-recommends gettext \
        && python manage.py compilemessages \
        && apt-get purge -y --auto-remove gettext \
        && rm -rf /var/lib/apt/lists/*; \
    fi

# Static files are collected with the production storage (hashed + compressed names for
# WhiteNoise). Settings refuse DEBUG=0 without a real secret, so this step alone gets a
# throwaway build-time key; it is not kept in the image.
RUN DEBUG=0 \
    SECRET_KEY=build-only-collectstatic-key-not-used-at-runtime-0123456789abcdef \
    python manage.py collectstatic --noinput \
    && test -f staticfiles/staticfiles.json

USER hoithi

EXPOSE 8000

CMD ["gunicorn", "-c", "config/gunicorn.conf.py", "config.wsgi:application", "--bind", "0.0.0.0:8000", "--access-logfile", "-"]
