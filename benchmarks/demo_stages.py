"""Benchmark of `gridpay demo` as a new user runs it: the default town (3,000 households, 60 days, the default seed)
built in an empty temporary directory, each stage's time and the total against the target (issue 17: under 60 s).

The demo says when each of its stages ends and how long it took (「模拟：交费、读数、结算 60/60 天 38 秒」 on
stderr); this script runs it as a user would, reads those lines, and adds what they leave out (starting Python and
Django, the command's own printing). The machine's load is printed before and after: the figures of a shared machine
are only as good as its quiet.

    python benchmarks/demo_stages.py                       # the default town, about a minute
    python benchmarks/demo_stages.py --households 600 --days 30
"""

import argparse
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

STAGE = re.compile(r"^(?P<stage>.+?) (?:(?P<count>\d+/\d+)(?: \S+)? )?(?P<seconds>[\d.]+) 秒$")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--households", type=int, default=None, help="default: the demo's own (3000)")
    parser.add_argument("--days", type=int, default=None, help="default: the demo's own (60)")
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--target-s", type=float, default=60.0)
    parser.add_argument("--keep", action="store_true", help="keep the directory with the database and its output")
    args = parser.parse_args()
    gridpay = Path(sys.executable).with_name("gridpay")
    command = [str(gridpay), "demo"]
    for flag, value in (("--households", args.households), ("--days", args.days), ("--seed", args.seed)):
        if value is not None:
            command += [flag, str(value)]
    # The embedded SQLite database in the directory, whatever the caller's environment points at.
    env = {k: v for k, v in os.environ.items() if k != "GRIDPAY_DATABASE_URL"}
    directory = Path(tempfile.mkdtemp(prefix="gridpay-demo-bench-"))
    print(f"load average before: {_load()}   ({os.cpu_count()} cores)   {' '.join(command[1:])} in {directory}")
    started = time.perf_counter()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    result = subprocess.run(command, cwd=directory, env=env, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    (directory / "stdout.txt").write_text(result.stdout)
    (directory / "stderr.txt").write_text(result.stderr)
    if result.returncode != 0:
        sys.exit(f"gridpay demo failed ({result.returncode}):\n{result.stderr}")
    stages = [m for line in result.stderr.splitlines() if (m := STAGE.match(line.strip()))]
    for m in stages:
        print(f"{float(m['seconds']):8.1f} s  {m['stage']}" + (f" ({m['count']})" if m["count"] else ""))
    staged = sum(float(m["seconds"]) for m in stages)
    print(f"{wall - staged:8.1f} s  start-up and printing (Python, Django, the summary's output)")
    verdict = "within" if wall < args.target_s else "OVER"
    print(f"{wall:8.1f} s  total wall clock, {verdict} the {args.target_s:.0f} s target; {cpu:.1f} s of CPU")
    print(f"load average after: {_load()}")
    if not args.keep:
        shutil.rmtree(directory)


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


if __name__ == "__main__":
    main()
