"""What the tests may not do to the directory they are run from: add, change or remove a file."""

import os
from pathlib import Path

# Tools' own caches and the environment (Python writes bytecode wherever it imports from).
SKIPPED = {".git", ".venv", "__pycache__", ".mypy_cache", ".ruff_cache", ".pytest_cache", ".import_linter_cache"}


def snapshot(directory: Path) -> dict[str, tuple[int, int]]:
    """Each file under ``directory`` (relative path) → (size, modification time in ns)."""
    files = {}
    for parent, folders, names in os.walk(directory):
        folders[:] = [f for f in folders if f not in SKIPPED and not f.endswith(".egg-info")]
        for name in names:
            path = Path(parent, name)
            try:
                status = path.stat()
            except FileNotFoundError:
                continue
            files[str(path.relative_to(directory))] = (status.st_size, status.st_mtime_ns)
    return files


def changes_since(before: dict[str, tuple[int, int]], directory: Path) -> list[str]:
    after = snapshot(directory)
    return sorted(
        [f"+{name}" for name in after.keys() - before.keys()]
        + [f"-{name}" for name in before.keys() - after.keys()]
        + [name for name in after.keys() & before.keys() if after[name] != before[name]]
    )
