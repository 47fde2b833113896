"""The embedded default's secret key: generated once into a file beside the SQLite database, never overwritten."""

import contextlib
import os
import secrets
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

KEY_FILE_NAME = "gridpay-secret.key"
SQLITE_ENGINE = "django.db.backends.sqlite3"


def new_secret_key() -> str:
    """400 random bits, URL-safe: 67 characters, well above what Django's deploy check asks for."""
    return secrets.token_urlsafe(50)


def is_sqlite(database: Mapping[str, Any]) -> bool:
    return bool(database.get("ENGINE") == SQLITE_ENGINE)


def embedded_key_file(database: Mapping[str, Any]) -> Path | None:
    """Where an SQLite database file keeps its key (one per directory); None for PostgreSQL or a database in
    memory, which has nothing to keep a key for."""
    if not is_sqlite(database):
        return None
    name = str(database.get("NAME") or "")
    if not name or name == ":memory:" or "mode=memory" in name:
        return None
    return Path(name).absolute().parent / KEY_FILE_NAME


def read_key_file(path: Path) -> str | None:
    """The key kept in path, or None when there is no such file (OSError for one that cannot be read)."""
    try:
        return path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        return None


def create_key_file(path: Path) -> None:
    """Writes a new key to path unless a key is there already. The key is written in full to a private temporary
    file (mode 0600) and then linked to its name, which fails if the name exists: a reader never sees half a key,
    and of two commands started at once on a new database both end up with the first one's key."""
    if path.exists():
        return
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=".gridpay-secret-", suffix=".tmp")
    try:
        with os.fdopen(descriptor, "w", encoding="ascii") as handle:
            handle.write(new_secret_key() + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        with contextlib.suppress(FileExistsError):
            os.link(temporary, path)
    finally:
        os.unlink(temporary)
