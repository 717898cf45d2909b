"""Whole-instance backups: one .tar.gz holding every row of the database (Django's JSON
serialization, primary keys kept), every file under MEDIA_ROOT and a manifest, and a restore
that checks the whole archive before it writes anything, then writes everything in one
transaction.

Whole instance only, not one contest: contests share users, units, people and initiatives,
point at each other (`advances_to`, entries advanced from another contest) and are addressed by
primary key in every URL (certificate downloads, entries, rounds), so one contest restored into
a live database would either collide with the rows already there or need new keys, and then its
links and printed QR codes would point elsewhere.

Archive members: `data.json`, `media/<path under MEDIA_ROOT>` for each file, and
`manifest.json` last (an archive cut short has none and is refused).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tarfile
import tempfile
import time
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from datetime import time as dt_time
from pathlib import Path

import django
from django.apps import apps
from django.conf import settings
from django.core.cache import cache
from django.core.management import call_command
from django.core.management.color import no_style
from django.core.serializers import json as json_serializer
from django.core.serializers.json import DjangoJSONEncoder
from django.db import DatabaseError, connection, models, transaction
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.loader import MigrationLoader

FORMAT = "hoithi-backup"
VERSION = 1
MANIFEST = "manifest.json"
DATA = "data.json"
MEDIA = "media/"
# Rebuilt by `migrate` with ids of their own in each database, so not backed up: the rows
# pointing at them (admin log, user and group permissions) name them by natural key instead.
NATURAL_KEY_MODELS = {"contenttypes.contenttype", "auth.permission"}
# Sessions are logins, not data: a restore logs everyone out rather than hand an old session
# to whoever now has that user id.
NOT_BACKED_UP = NATURAL_KEY_MODELS | {"sessions.session"}
_CHUNK = 1024 * 1024


class BackupError(Exception):
    """Why a backup or a restore was refused: one line, nothing written."""


@dataclass
class BackupSummary:
    path: Path
    rows: int
    models: int
    files: int
    bytes: int
    seconds: float
    missing_files: list[str] = field(default_factory=list)


@dataclass
class RestoreSummary:
    rows: int
    models: int
    files: int
    bytes: int
    seconds: float
    # Files already in MEDIA_ROOT that the backup does not have (only with force): left alone.
    kept_files: int = 0


def backed_up_models() -> list[type[models.Model]]:
    return sorted(
        (
            model
            for model in apps.get_models()
            if model._meta.managed
            and not model._meta.proxy
            and model._meta.label_lower not in NOT_BACKED_UP
        ),
        key=lambda model: model._meta.label_lower,
    )


def migration_state() -> dict[str, list[str]]:
    """The migrations applied to the database that the code knows, per app."""
    loader = MigrationLoader(connection, ignore_no_migrations=True)
    known = set(loader.graph.nodes)
    state: dict[str, list[str]] = {}
    for app_label, name in sorted(key for key in loader.applied_migrations if key in known):
        state.setdefault(app_label, []).append(name)
    return state


def unapplied_migrations() -> list[str]:
    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    return [f"{migration.app_label}.{migration.name}" for migration, _ in plan]


class _Serializer(json_serializer.Serializer):
    """Django's JSON with every key as stored, except references to content types and
    permissions, which go by natural key (their ids differ between databases). Natural keys
    everywhere would cost a query per reference on restore and tie rows to usernames."""

    def handle_fk_field(self, obj, field):
        self.use_natural_foreign_keys = _label(field.remote_field.model) in NATURAL_KEY_MODELS
        super().handle_fk_field(obj, field)

    def handle_m2m_field(self, obj, field):
        self.use_natural_foreign_keys = _label(field.remote_field.model) in NATURAL_KEY_MODELS
        super().handle_m2m_field(obj, field)


class _Encoder(DjangoJSONEncoder):
    """DjangoJSONEncoder cuts datetimes and times to milliseconds (ECMA-262), so that a dumped
    and loaded database is not the same database: a ranking's `published_at` would change, and
    with it the public results document and its ETag. A backup keeps the microseconds."""

    def default(self, o):
        if isinstance(o, datetime | dt_time):
            return o.isoformat()
        return super().default(o)


def _label(model) -> str:
    return model._meta.label_lower


class _HashingReader:
    """Counts and hashes what tarfile reads, so the checksum is of the bytes archived even if
    the file changes meanwhile."""

    def __init__(self, raw) -> None:
        self.raw = raw
        self.sha256 = hashlib.sha256()
        self.size = 0

    def read(self, size: int = -1) -> bytes:
        chunk = self.raw.read(size)
        self.sha256.update(chunk)
        self.size += len(chunk)
        return chunk


def _media_root() -> Path:
    return Path(settings.MEDIA_ROOT)


def _media_files(root: Path) -> list[Path]:
    if not root.is_dir():
        return []
    return sorted(path for path in root.rglob("*") if path.is_file() and not path.is_symlink())


def _add_file(archive: tarfile.TarFile, path: Path, name: str) -> dict:
    info = archive.gettarinfo(str(path), arcname=name)
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    info.mode = 0o644
    with path.open("rb") as raw:
        reader = _HashingReader(raw)
        archive.addfile(info, reader)
    return {"size": reader.size, "sha256": reader.sha256.hexdigest()}


def _rows(models_: list[type[models.Model]], counts: dict[str, int]) -> Iterator[models.Model]:
    for model in models_:
        queryset = model._base_manager.order_by("pk")
        m2m = [
            f.name for f in model._meta.many_to_many if f.remote_field.through._meta.auto_created
        ]
        if m2m:
            queryset = queryset.prefetch_related(*m2m)
        counts[_label(model)] = 0
        for row in queryset.iterator(chunk_size=2000):
            counts[_label(model)] += 1
            yield row


def _referenced_files() -> set[str]:
    names: set[str] = set()
    for model in backed_up_models():
        for model_field in model._meta.concrete_fields:
            if isinstance(model_field, models.FileField):
                names.update(
                    model._base_manager.exclude(**{model_field.attname: ""})
                    .exclude(**{f"{model_field.attname}__isnull": True})
                    .values_list(model_field.attname, flat=True)
                )
    return names


def make_backup(out: Path) -> BackupSummary:
    started = time.perf_counter()
    out = Path(out)
    root = _media_root()
    if out.exists():
        raise BackupError(f"{out} already exists: choose another name.")
    if out.resolve().is_relative_to(root.resolve()):
        raise BackupError(f"{out} is inside MEDIA_ROOT ({root}): the next backup would hold it.")
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, partial = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".partial", dir=out.parent)
    os.close(fd)
    try:
        summary = _write_archive(Path(partial), root)
        os.replace(partial, out)  # the archive appears whole or not at all
    except BaseException:
        Path(partial).unlink(missing_ok=True)
        raise
    summary.path = out
    summary.seconds = time.perf_counter() - started
    return summary


def _write_archive(partial: Path, root: Path) -> BackupSummary:
    counts: dict[str, int] = {}
    listed: list[dict] = []
    # One snapshot for rows and file list alike: on PostgreSQL a read-only repeatable-read
    # transaction (rows written meanwhile are not half in the dump: no entry without its
    # unit); SQLite's write lock (IMMEDIATE transactions) holds writers off until it ends.
    first_statement = connection.vendor == "postgresql" and not connection.in_atomic_block
    with transaction.atomic(), tempfile.TemporaryDirectory(dir=partial.parent) as scratch:
        if first_statement:
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        migrations = migration_state()
        data_path = Path(scratch) / DATA
        with data_path.open("w", encoding="utf-8") as stream:
            _Serializer().serialize(_rows(backed_up_models(), counts), stream=stream, cls=_Encoder)
        missing = sorted(name for name in _referenced_files() if not (root / name).is_file())
        with tarfile.open(partial, "w:gz", compresslevel=6) as archive:
            data = {"name": DATA, **_add_file(archive, data_path, DATA)}
            for path in _media_files(root):
                relative = path.relative_to(root).as_posix()
                listed.append({"path": relative, **_add_file(archive, path, MEDIA + relative)})
            manifest = {
                "format": FORMAT,
                "version": VERSION,
                "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
                "django": django.get_version(),
                "database": connection.vendor,
                "migrations": migrations,
                "rows": counts,
                "data": data,
                "files": listed,
                "missing_files": missing,
            }
            body = json.dumps(manifest, ensure_ascii=False, indent=1).encode()
            info = tarfile.TarInfo(MANIFEST)
            info.size, info.mtime, info.mode = len(body), int(time.time()), 0o644
            archive.addfile(info, _BytesReader(body))
    return BackupSummary(
        path=partial,
        rows=sum(counts.values()),
        models=sum(1 for count in counts.values() if count),
        files=len(listed),
        bytes=sum(item["size"] for item in listed),
        seconds=0.0,
        missing_files=missing,
    )


class _BytesReader:
    def __init__(self, body: bytes) -> None:
        self.body, self.offset = body, 0

    def read(self, size: int = -1) -> bytes:
        end = len(self.body) if size < 0 else self.offset + size
        chunk, self.offset = self.body[self.offset : end], min(end, len(self.body))
        return chunk


# Restore ------------------------------------------------------------------------------------


def _media_parts(name: str) -> list[str]:
    """The path under MEDIA_ROOT of an archive member named media/..., as its parts; refused
    if it could land anywhere else (absolute, `..`, empty or odd parts)."""
    relative = name[len(MEDIA) :]
    parts = relative.split("/")
    if (
        not relative
        or "\\" in name
        or "\x00" in name
        or any(part in {"", ".", ".."} for part in parts)
    ):
        raise BackupError(f"not a HoiThi backup: unsafe member name {name!r}.")
    return parts


def _check_members(members: list[tarfile.TarInfo]) -> dict[str, tarfile.TarInfo]:
    by_name: dict[str, tarfile.TarInfo] = {}
    for member in members:
        name = member.name
        if name.startswith("/") or ".." in name.split("/"):
            raise BackupError(f"not a HoiThi backup: unsafe member name {name!r}.")
        if member.isdir() and name == MEDIA.rstrip("/"):
            continue  # an archive repacked with tar(1) lists its folders
        if name.startswith(MEDIA):
            _media_parts(name)
        elif name not in (MANIFEST, DATA):
            raise BackupError(f"not a HoiThi backup: unexpected member {name!r}.")
        if member.isdir():
            continue
        if not member.isfile():  # links, devices, fifos
            raise BackupError(f"not a HoiThi backup: {name!r} is not a regular file.")
        if name in by_name:
            raise BackupError(f"not a HoiThi backup: {name!r} appears twice.")
        by_name[name] = member
    return by_name


def _read_manifest(archive: tarfile.TarFile, members: dict[str, tarfile.TarInfo]) -> dict:
    if MANIFEST not in members or DATA not in members:
        raise BackupError("not a HoiThi backup (or cut short): no manifest.json or data.json.")
    try:
        manifest = json.loads(archive.extractfile(members[MANIFEST]).read())
        if manifest.get("format") != FORMAT:
            raise BackupError("not a HoiThi backup: the manifest is of another format.")
        if manifest.get("version") != VERSION:
            raise BackupError(
                f"backup format version {manifest.get('version')!r} is not the one this "
                f"code reads ({VERSION})."
            )
        for key, kind in (("migrations", dict), ("rows", dict), ("data", dict), ("files", list)):
            if not isinstance(manifest.get(key), kind):
                raise BackupError(f"not a HoiThi backup: the manifest has no valid {key!r}.")
        for item in [manifest["data"], *manifest["files"]]:
            if not (isinstance(item.get("sha256"), str) and isinstance(item.get("size"), int)):
                raise BackupError("not a HoiThi backup: a manifest entry has no checksum.")
        if not all(isinstance(item.get("path"), str) for item in manifest["files"]):
            raise BackupError("not a HoiThi backup: a manifest file entry has no path.")
        if not all(isinstance(count, int) for count in manifest["rows"].values()):
            raise BackupError("not a HoiThi backup: the manifest's row counts are not numbers.")
    except (ValueError, AttributeError, TypeError) as error:
        raise BackupError(f"not a HoiThi backup: unreadable manifest ({error}).") from None
    return manifest


def _check_migrations(manifest: dict) -> None:
    pending = unapplied_migrations()
    if pending:
        raise BackupError(
            f"the database is not migrated ({len(pending)} migrations pending, first "
            f"{pending[0]}): run manage.py migrate first."
        )
    current = migration_state()
    ours = {(app, name) for app, names in current.items() for name in names}
    theirs = {(app, name) for app, names in manifest["migrations"].items() for name in names}
    if ours != theirs:
        only_backup = sorted(f"{a}.{n}" for a, n in theirs - ours)
        only_code = sorted(f"{a}.{n}" for a, n in ours - theirs)
        detail = "; ".join(
            text
            for text in (
                only_backup and f"only in the backup: {', '.join(only_backup[:3])}",
                only_code and f"only in this code: {', '.join(only_code[:3])}",
            )
            if text
        )
        raise BackupError(
            f"the backup's migrations do not match this code's ({detail}): restore it with "
            "the code it was made with, then migrate."
        )


def _existing_rows() -> dict[str, int]:
    counts = {_label(model): model._base_manager.count() for model in backed_up_models()}
    return {label: count for label, count in counts.items() if count}


def _check_empty(root: Path, force: bool) -> list[Path]:
    existing = _media_files(root)
    if force:
        return existing
    rows = _existing_rows()
    if rows:
        listed = ", ".join(f"{label}: {count}" for label, count in list(rows.items())[:3])
        raise BackupError(
            f"the database is not empty ({sum(rows.values())} rows; {listed}, ...): restore "
            "into a freshly migrated database, or pass --force to replace all of its data."
        )
    if existing:
        raise BackupError(
            f"MEDIA_ROOT ({root}) is not empty ({len(existing)} files): empty it, or pass "
            "--force to restore over it."
        )
    return existing


def _copy_checked(source, target: Path, expected: dict, name: str) -> None:
    digest, size = hashlib.sha256(), 0
    with target.open("wb") as out:
        while chunk := source.read(_CHUNK):
            digest.update(chunk)
            size += len(chunk)
            out.write(chunk)
    if size != expected["size"] or digest.hexdigest() != expected["sha256"]:
        raise BackupError(f"{name} does not match its checksum in the manifest: corrupt backup.")


def _stage(
    archive: tarfile.TarFile, members: dict[str, tarfile.TarInfo], manifest: dict, staging: Path
) -> list[tuple[list[str], tarfile.TarInfo]]:
    """Every file checked against the manifest, into the staging folder."""
    expected = {MEDIA + item["path"]: item for item in manifest["files"]}
    archived = {name for name in members if name.startswith(MEDIA)}
    if archived != set(expected):
        extra = sorted(archived - set(expected)) or sorted(set(expected) - archived)
        raise BackupError(f"the archive's files differ from its manifest's ({extra[0]!r}).")
    staged = []
    # In the archive's order: going back in a gzip stream means decompressing it again.
    for name, member in members.items():
        if name == DATA:
            _copy_checked(archive.extractfile(member), staging / DATA, manifest["data"], DATA)
        elif name in expected:
            parts = _media_parts(name)
            target = staging.joinpath("media", *parts)
            target.parent.mkdir(parents=True, exist_ok=True)
            _copy_checked(archive.extractfile(member), target, expected[name], name)
            os.utime(target, (member.mtime, member.mtime))
            staged.append((parts, member))
    return staged


class _FileInstall:
    """Staged files moved into MEDIA_ROOT, undone (files put back, folders removed) if the
    transaction they belong to fails."""

    def __init__(self, root: Path, staging: Path) -> None:
        self.root, self.staging = root, staging
        self.moved: list[tuple[Path, Path | None]] = []  # (target, the file it replaced)
        self.created: list[Path] = []

    def install(self, parts: list[str]) -> None:
        target = self.root.joinpath(*parts)
        self._make_folders(target.parent)
        if not target.parent.resolve().is_relative_to(self.root.resolve()):
            raise BackupError(f"{target} would be written outside MEDIA_ROOT (a symlink).")
        replaced = None
        if target.exists() or target.is_symlink():
            if target.is_dir():
                raise BackupError(f"{target} is a folder in MEDIA_ROOT, the backup has a file.")
            replaced = self.staging.joinpath("replaced", *parts)
            replaced.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(target, replaced)
        shutil.move(self.staging.joinpath("media", *parts), target)
        self.moved.append((target, replaced))

    def _make_folders(self, folder: Path) -> None:
        missing = []
        while not folder.exists():
            missing.append(folder)
            folder = folder.parent
        for path in reversed(missing):
            path.mkdir()
            self.created.append(path)

    def undo(self) -> None:
        for target, replaced in reversed(self.moved):
            target.unlink(missing_ok=True)
            if replaced is not None:
                shutil.move(replaced, target)
        for folder in reversed(self.created):
            try:
                folder.rmdir()
            except OSError:
                pass


def _wipe() -> None:
    """Every backed-up table emptied, sessions too (this runs inside the restore's transaction:
    PostgreSQL's TRUNCATE is transactional, and foreign keys are checked at the end)."""
    tables = set()
    extra = (
        [apps.get_model("sessions", "Session")]
        if apps.is_installed("django.contrib.sessions")
        else []
    )
    for model in [*backed_up_models(), *extra]:
        tables.add(model._meta.db_table)
        for m2m in model._meta.local_many_to_many:
            if m2m.remote_field.through._meta.auto_created:
                tables.add(m2m.remote_field.through._meta.db_table)
    existing = set(connection.introspection.table_names())
    statements = connection.ops.sql_flush(no_style(), sorted(tables & existing))
    connection.ops.execute_sql_flush(statements)


def _check_counts(manifest: dict) -> int:
    total = 0
    for label, expected in manifest["rows"].items():
        try:
            model = apps.get_model(label)
        except (LookupError, ValueError):
            raise BackupError(f"the backup has rows of {label}, which this code lacks.") from None
        found = model._base_manager.count()
        if found != expected:
            raise BackupError(f"{label}: {found} rows restored, the manifest says {expected}.")
        total += found
    return total


def forget_cached_state() -> None:
    """What the cache (Redis, shared with the web processes) still holds of the old data: the
    public results documents and the sessions."""
    from scoring import public

    public.forget_all()
    if hasattr(cache, "delete_pattern"):  # django-redis; never cache.clear(): Celery's queue
        cache.delete_pattern("django.contrib.sessions.cached_db*")


def restore_backup(path: Path, *, force: bool = False) -> RestoreSummary:
    started = time.perf_counter()
    root = _media_root()
    try:
        archive = tarfile.open(path, "r:gz")
    except FileNotFoundError:
        raise BackupError(f"{path}: no such file.") from None
    except (tarfile.TarError, OSError, EOFError, zlib.error) as error:
        raise BackupError(f"{path} is not a HoiThi backup (not a .tar.gz: {error}).") from None
    staging = None
    try:
        with archive:
            try:
                members = _check_members(archive.getmembers())
                manifest = _read_manifest(archive, members)
                _check_migrations(manifest)
                existing = _check_empty(root, force)
                root.parent.mkdir(parents=True, exist_ok=True)
                staging = Path(tempfile.mkdtemp(prefix=".hoithi-restore-", dir=root.parent))
                staged = _stage(archive, members, manifest, staging)
            except (tarfile.TarError, OSError, EOFError, zlib.error) as error:
                raise BackupError(f"{path} is corrupt ({error}).") from None
        root.mkdir(parents=True, exist_ok=True)
        files = _FileInstall(root, staging)
        try:
            with transaction.atomic():
                _wipe()
                try:
                    call_command("loaddata", str(staging / DATA), verbosity=0)
                except Exception as error:  # DeserializationError, IntegrityError, ...
                    message = " ".join(str(error).split())[:300]
                    raise BackupError(f"the backup's rows do not load: {message}") from None
                rows = _check_counts(manifest)
                # Anything still deferred fails here, before the files move, not at COMMIT.
                connection.check_constraints()
                for parts, _member in staged:
                    files.install(parts)
        except BaseException as error:
            files.undo()
            if isinstance(error, OSError | DatabaseError):  # a full disk, a failed COMMIT
                message = " ".join(str(error).split())[:300]
                raise BackupError(f"the restore failed and was undone: {message}") from None
            raise
    finally:
        if staging is not None:
            shutil.rmtree(staging, ignore_errors=True)
    forget_cached_state()
    restored = {tuple(parts) for parts, _member in staged}
    kept = [p for p in existing if tuple(p.relative_to(root).parts) not in restored]
    return RestoreSummary(
        rows=rows,
        models=sum(1 for count in manifest["rows"].values() if count),
        files=len(staged),
        bytes=sum(member.size for _parts, member in staged),
        seconds=time.perf_counter() - started,
        kept_files=len(kept),
    )
