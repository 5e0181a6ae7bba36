"""Time from saving a Markdown file to `broadsheet serve` serving the rebuilt page.

For each corpus size: generate the corpus (bench/corpus.py), start the dev server in this
process on a free loopback port, then several times: append a sentence to one story's body, save
it, wait for the live-reload event that names the page (as an open browser tab does) and load the
page over HTTP, checking the sentence is there. Reports that save-to-served time (which includes
the watcher's debounce; the server shows an edited story before its full rebuild ends), and the
time from the save until the full rebuild is done (every listing, feed and related block), with
its re-render count.

    python bench/serve_latency.py [N ...] [--dir DIR] [--edits K]      # default: 1000 10000
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpus import stories, write_broadsheet  # noqa: E402
from generator.serve import DEBOUNCE_SECONDS, SETTLED_SECONDS, DevServer  # noqa: E402


def fetch(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=30) as response:
        return response.read()


def measure(n: int, root: Path, edits: int) -> dict:
    site = root / f"site-{n}"
    if not (site / "site.toml").is_file():
        write_broadsheet(stories(n), site)
    lines: list[str] = []
    server = DevServer(site, port=0, log=lines.append)
    started = time.perf_counter()
    base = server.start()
    first = time.perf_counter() - started
    try:
        warm = server.rebuild()          # the serve output and page records exist: a no-op rebuild
        story = sorted((site / "content/world").glob("*.md"))[len(list((site / "content/world").glob("*.md"))) // 2]
        url = base + f"world/{story.stem}/"
        assert fetch(url)
        latencies, rebuilds, done = [], [], []
        path = f"/world/{story.stem}/"
        for i in range(edits):
            marker = f"Latency probe {i} {time.time_ns()}."
            before = len(server.history)
            after = server.events.last
            t0 = time.perf_counter()
            with open(story, "a", encoding="utf-8") as f:
                f.write(f"\n{marker}\n")
            # as a browser does: wait for the reload event naming the page (or every page), then load it
            while True:
                events = server.events.wait(after, 30)
                if not events:
                    raise SystemExit("no reload event within 30 s")
                after = events[-1][0]
                if any(kind == "reload" and (data == "" or path in data) for _, kind, data in events) \
                        and marker.encode() in fetch(url):
                    break
            latencies.append((time.perf_counter() - t0) * 1000)
            deadline = time.monotonic() + 5
            while len(server.history) == before and time.monotonic() < deadline:
                time.sleep(0.001)
            done.append((time.perf_counter() - t0) * 1000)
            rebuilds.append(server.history[-1])
            time.sleep(0.3)              # apart, so each edit is its own burst
    finally:
        server.stop()
    return {"n": n, "pages": warm.pages, "first_s": first, "noop_ms": warm.ms,
            "latency_ms": latencies, "done_ms": done, "rebuild_ms": [r.ms for r in rebuilds], "rendered": [r.rendered for r in rebuilds],
            "early": [r.previewed for r in rebuilds]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sizes", nargs="*", type=int, default=[1000, 10000])
    parser.add_argument("--dir", type=Path, help="keep the corpora here (default: a temporary folder)")
    parser.add_argument("--edits", type=int, default=7)
    args = parser.parse_args()
    print(f"cores: {len(os.sched_getaffinity(0))}, load average: {os.getloadavg()[0]:.1f}, debounce: {DEBOUNCE_SECONDS * 1000:.0f} ms, "
          f"{SETTLED_SECONDS * 1000:.0f} ms after an event that ends a save")
    with tempfile.TemporaryDirectory() as tmp:
        root = args.dir or Path(tmp)
        for n in args.sizes:
            r = measure(n, root, args.edits)
            lat, reb = r["latency_ms"], r["rebuild_ms"]
            print(f"{n:>6} articles, {r['pages']} pages: first build {r['first_s']:.1f} s, no-op rebuild {r['noop_ms']:.0f} ms")
            print(f"        one-article body edit, save -> reload event -> page served with the edit: median "
                  f"{statistics.median(lat):.0f} ms (min {min(lat):.0f}, max {max(lat):.0f}; {len(lat)} edits; "
                  f"shown early in {sum(e > 0 for e in r['early'])} of them)")
            print(f"        save -> full rebuild done (every listing, feed and related block): median "
                  f"{statistics.median(r['done_ms']):.0f} ms incl. the debounce "
                  f"(rebuild alone {statistics.median(reb):.0f} ms), re-rendered "
                  f"{statistics.median(r['rendered']):.0f} of {r['pages']} pages")


if __name__ == "__main__":
    main()
