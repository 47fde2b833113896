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
    found = []
    for node in ast.walk(tree):
        what = _reads_the_clock(node)
        if what:
            found.append(WallClockRead(relative, getattr(node, "lineno", 0), what))
    return found


def _reads_the_clock(node: ast.AST) -> str:
    if isinstance(node, ast.Attribute) and node.attr == "escape_hatch":
        return "time_machine.escape_hatch: the real clock"
    if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
        return ""
    method = node.func.attr
    owner = node.func.value
    owner_name = owner.id if isinstance(owner, ast.Name) else owner.attr if isinstance(owner, ast.Attribute) else ""
    if (owner_name, method) in CLOCK_READS:
        return f"{owner_name}.{method}(): use the clock fixture"
    if method == "with_name" and any(isinstance(a, ast.Constant) and a.value == "gridpay" for a in node.args):
        return "the gridpay script on the real clock: use tests.support.cli.GRIDPAY"
    return ""
