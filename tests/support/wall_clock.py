"""Finds the places in test code that would reach the real clock: the suite refuses to run while there are any.

The code under test is pinned by time-machine whatever it calls; these are the ways a test could still get the
real date: asking the wall clock itself (it should ask the `clock` fixture, which a test can move), escaping
time-machine, or starting the `gridpay` script directly (its clock is not the test's: use tests.support.cli).
"""

import ast
from dataclasses import dataclass
from pathlib import Path

# Calls of <name>.<method>() that read the wall clock.
CLOCK_READS = {
    ("datetime", "now"), ("datetime", "utcnow"), ("datetime", "today"), ("date", "today"),
    ("timezone", "now"), ("timezone", "localdate"), ("timezone", "localtime"),
    ("time", "time"), ("time", "time_ns"), ("time", "localtime"), ("time", "gmtime"), ("time", "ctime"),
}
# The one module allowed to read it: the fake clock, which is the pinned clock.
ALLOWED = {Path("tests/support/clock.py"), Path("tests/support/pinned_gridpay.py")}


@dataclass(frozen=True)
class WallClockRead:
    path: Path
    line: int
    what: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.what}"


def wall_clock_reads(path: Path, *, root: Path) -> list[WallClockRead]:
    relative = path.resolve().relative_to(root)
    if relative in ALLOWED:
        return []
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    owners, functions = _aliases(tree)
    found = []
    for node in ast.walk(tree):
        what = _reads_the_clock(node, owners=owners, functions=functions)
        if what:
            found.append(WallClockRead(relative, getattr(node, "lineno", 0), what))
    return found


def _aliases(tree: ast.AST) -> tuple[dict[str, str], dict[str, str]]:
    """Names a module gives the clock's owners (``from datetime import datetime as dt``) and its functions
    (``from time import time``, ``from django.utils.timezone import now``)."""
    owners = {name: name for name in ("datetime", "date", "timezone", "time")}
    functions: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name in ("datetime", "time") and alias.asname:
                    owners[alias.asname] = alias.name
        elif isinstance(node, ast.ImportFrom) and node.module in ("datetime", "time", "django.utils",
                                                                   "django.utils.timezone"):
            for alias in node.names:
                owner = "timezone" if node.module == "django.utils.timezone" else node.module
                if (owner, alias.name) in CLOCK_READS:
                    functions[alias.asname or alias.name] = f"{owner}.{alias.name}"
                elif alias.name in owners:
                    owners[alias.asname or alias.name] = alias.name
    return owners, functions


def _reads_the_clock(node: ast.AST, *, owners: dict[str, str], functions: dict[str, str]) -> str:
    if isinstance(node, ast.Attribute) and node.attr == "escape_hatch":
        return "time_machine.escape_hatch: the real clock"
    if not isinstance(node, ast.Call):
        return ""
    if isinstance(node.func, ast.Name) and node.func.id in functions:
        return f"{functions[node.func.id]}(): use the clock fixture"
    if not isinstance(node.func, ast.Attribute):
        return ""
    method = node.func.attr
    owner = node.func.value
    owner_name = owner.id if isinstance(owner, ast.Name) else owner.attr if isinstance(owner, ast.Attribute) else ""
    canonical = owners.get(owner_name, owner_name)
    if (canonical, method) in CLOCK_READS:
        return f"{canonical}.{method}(): use the clock fixture"
    if method == "with_name" and any(isinstance(a, ast.Constant) and a.value == "gridpay" for a in node.args):
        return "the gridpay script on the real clock: use tests.support.cli.GRIDPAY"
    return ""
