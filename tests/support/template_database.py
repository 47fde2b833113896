"""A migrated embedded database made once per test session and copied where a command-line test starts a town.

Bringing a new SQLite file up to date takes `gridpay` seconds (every migration, in order); the tests of what staff
type need a database as `gridpay` leaves it, not the migration itself, which the tests of a first start still do.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

DATABASE = "gridpay.sqlite3"


def migrate_template(directory: Path) -> Path:
    """`gridpay migrate` into ``directory``/gridpay.sqlite3, as a user's first command would bring it up to date."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GRIDPAY_")}
    env["GRIDPAY_DATABASE_URL"] = f"sqlite:///{directory / DATABASE}"
    done = subprocess.run([sys.executable, "-m", "gridpay.interfaces.cli.main", "migrate", "-v", "0"], cwd=directory,
                          env=env, capture_output=True, text=True, timeout=300, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"gridpay migrate failed: {done.stderr}")
    return directory / DATABASE


def copy_template(template: Path, directory: Path, *, name: str = DATABASE) -> Path:
    """The template as ``directory``/``name`` (its key file is not copied: each town makes its own)."""
    target = directory / name
    shutil.copyfile(template, target)
    return target
