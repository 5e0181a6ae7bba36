"""Lighthouse scores of the default theme: the example site's home page and an article.

    .venv/bin/python bench/lighthouse.py [--desktop] [--keep DIR]

Builds the example site (as the browser tests do) with base_url on a free 127.0.0.1 port, serves
it, runs npm's `lighthouse` with Debian's Chromium ($CHROME_PATH, default /usr/bin/chromium) and
prints the four category scores per page. Lighthouse exits 0 whatever the scores, so this reads
its JSON and exits 1 when a score misses its target (100 for accessibility, best practices and
SEO; 95 for performance), listing the audits that cost points. Lighthouse is installed on first
use into bench/.lighthouse/ (git-ignored). Not part of CI: a run takes a minute or so.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path[:0] = [str(REPO), str(REPO / "tests")]

from browser_helpers import PAGE_KINDS, Server, build_example, free_port  # noqa: E402

LIGHTHOUSE = HERE / ".lighthouse" / "node_modules" / ".bin" / "lighthouse"
PAGES = {"home": PAGE_KINDS["home"], "article": PAGE_KINDS["article"]}
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
TARGETS = {"performance": 95, "accessibility": 100, "best-practices": 100, "seo": 100}
CHROME_FLAGS = "--headless=new --no-sandbox --disable-gpu --no-first-run --disable-background-networking " \
               "--disable-component-update --disable-sync"


def install() -> None:
    if not LIGHTHOUSE.exists():
        print("Installing lighthouse into bench/.lighthouse/ …", file=sys.stderr)
        subprocess.run(["npm", "install", "--prefix", str(LIGHTHOUSE.parents[2]), "--no-save", "--no-package-lock",
                        "--no-audit", "--no-fund", "lighthouse@13"], check=True)


def run(url: str, report: Path, desktop: bool) -> dict:
    env = dict(os.environ, CHROME_PATH=os.environ.get("CHROME_PATH", "/usr/bin/chromium"))
    command = [str(LIGHTHOUSE), url, "--output=json", f"--output-path={report}", "--quiet",
               f"--chrome-flags={CHROME_FLAGS}", "--only-categories=" + ",".join(CATEGORIES)]
    if desktop:
        command.append("--preset=desktop")
    subprocess.run(command, env=env, check=True, timeout=300)
    return json.loads(report.read_text(encoding="utf-8"))


def shortfalls(result: dict, category: str) -> list[str]:
    """The audits of a category that did not score full marks."""
    audits = result["audits"]
    out = []
    for ref in result["categories"][category]["auditRefs"]:
        audit = audits[ref["id"]]
        if ref["weight"] and audit.get("score") is not None and audit["score"] < 1:
            out.append(f"      {audit['id']}: {audit['score']:.2f} {audit.get('displayValue', '')}".rstrip())
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--desktop", action="store_true", help="Lighthouse's desktop preset (default: mobile)")
    parser.add_argument("--keep", type=Path, help="write the JSON reports into this folder")
    args = parser.parse_args()
    install()
    missed = False
    with tempfile.TemporaryDirectory() as tmp:
        port = free_port()
        out = build_example(Path(tmp) / "site", base_url=f"http://127.0.0.1:{port}/")
        reports = args.keep or Path(tmp)
        reports.mkdir(parents=True, exist_ok=True)
        with Server(out, port) as server:
            print(f"Lighthouse ({'desktop' if args.desktop else 'mobile'}) on the example site")
            print(f"{'page':10}" + "".join(f"{c:>16}" for c in CATEGORIES))
            for name, path in PAGES.items():
                result = run(server.base + path, reports / f"{name}.json", args.desktop)
                scores = {c: round(result["categories"][c]["score"] * 100) for c in CATEGORIES}
                print(f"{name:10}" + "".join(f"{scores[c]:>16}" for c in CATEGORIES))
                for category in CATEGORIES:
                    if scores[category] < TARGETS[category]:
                        missed = True
                        print(f"    {category} below {TARGETS[category]}:", *shortfalls(result, category), sep="\n")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
