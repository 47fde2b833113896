"""Benchmark of the API's documentation in Debian's Chromium: how soon /api/docs (the server-rendered reference) and
/api/docs/try (Swagger UI) show the API's operations (issue 17 point 8: under 0.5 s).

Run it in the directory of a demo town (it serves the town with `gridpay serve` on a free port, one worker, and
stops it after), or point it at a server already running:

    mkdir town && cd town && gridpay demo --households 200 --days 10
    python ../benchmarks/api_docs.py [--repeat 5]
    python benchmarks/api_docs.py --url http://127.0.0.1:8000

Each page is loaded --repeat times in headless Chromium at 1366×768, each time in a new browser context (nothing
cached: a first visit), then once more in that context (a return visit: the static files come from the cache).
Printed per page, the medians, in milliseconds from the start of navigation: the server's first byte, the first
contentful paint, DOMContentLoaded, the load event, and when the first operation is on the page (`section.operation`
on the reference, Swagger's `.opblock`), which is what the reader waits for.
"""

import argparse
import os
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

CHROMIUM = "/usr/bin/chromium"
TARGET_MS = 500
# (what, path, the element that shows an operation)
PAGES = [("reference", "/api/docs", "section.operation"), ("Swagger UI", "/api/docs/try", ".opblock")]
# Notes, from the first parsed bytes, when the first operation appears (parsed HTML or drawn by a script).
WATCH = """(selector) => {
  window.__operation_ms = null;
  const seen = () => { if (window.__operation_ms === null && document.querySelector(selector)) {
    window.__operation_ms = performance.now(); return true; } return false; };
  new MutationObserver((_, observer) => { if (seen()) observer.disconnect(); })
    .observe(document, {childList: true, subtree: true});
}"""
TIMES = """() => {
  const nav = performance.getEntriesByType("navigation")[0];
  const paint = performance.getEntriesByName("first-contentful-paint")[0];
  return {first_byte: nav.responseStart, fcp: paint ? paint.startTime : null,
          dom_ready: nav.domContentLoadedEventEnd, load: nav.loadEventEnd, operation: window.__operation_ms,
          bytes: performance.getEntriesByType("resource").reduce((n, r) => n + r.encodedBodySize, nav.encodedBodySize)};
}"""
COLUMNS = ("first_byte", "fcp", "dom_ready", "load", "operation")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", help="a gridpay already serving (default: serve the demo town of this directory)")
    parser.add_argument("--repeat", type=int, default=5, help="first visits timed per page")
    args = parser.parse_args()
    if args.url:
        measure(args.url.rstrip("/"), args.repeat)
        return
    port = free_port()
    gridpay = Path(sys.executable).with_name("gridpay")
    server = subprocess.Popen([str(gridpay), "serve", "--port", str(port), "--workers", "1", "--quiet"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while not answers(port):
            if server.poll() is not None:
                sys.exit(f"gridpay serve ended ({server.returncode}): {server.stderr.read() if server.stderr else ''}")
            if time.monotonic() > deadline:
                sys.exit(f"gridpay serve did not listen on {port} in 60 s")
            time.sleep(0.2)
        measure(f"http://127.0.0.1:{port}", args.repeat)
    finally:
        server.terminate()
        server.wait(timeout=30)


def measure(base: str, repeat: int) -> None:
    print(f"{base}, Chromium {CHROMIUM}, 1366×768; medians of {repeat} loads, ms from the start of navigation")
    print("machine load (1, 5, 15 min): {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
    print(f"{'page':<30} {'visit':<7} {'1st byte':>9} {'FCP':>7} {'DOM':>7} {'load':>7} {'operation':>10} {'KB':>7}")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        for what, path, selector in PAGES:
            first, again = [], []
            for _ in range(repeat + 1):  # the first round warms the server and the machine's file cache
                context = browser.new_context(viewport={"width": 1366, "height": 768})
                context.add_init_script(script=f"({WATCH})({selector!r})")
                page = context.new_page()
                first.append(load(page, base + path, selector))
                again.append(load(page, base + path, selector))
                context.close()
            for visit, times in (("first", first[1:]), ("return", again[1:])):
                row = {c: statistics.median(t[c] for t in times) for c in COLUMNS}
                kilobytes = statistics.median(t["bytes"] for t in times) / 1024
                print(f"{what + ' ' + path:<30} {visit:<7} {row['first_byte']:9.0f} {row['fcp']:7.0f} "
                      f"{row['dom_ready']:7.0f} {row['load']:7.0f} {row['operation']:10.0f} {kilobytes:7.0f}")
        browser.close()
    print("machine load (1, 5, 15 min): {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
    print(f"target: the reference's first operation and its load event under {TARGET_MS} ms")


def load(page: Page, url: str, selector: str) -> dict[str, float]:
    page.goto(url)  # waits for the load event
    page.wait_for_selector(selector)
    page.wait_for_function("performance.getEntriesByName('first-contentful-paint').length > 0")
    times: dict[str, float] = page.evaluate(TIMES)
    return times


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gridpay.config.settings")
    main()
