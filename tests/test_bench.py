"""Smoke test of the build benchmark (bench/run.py) on a 50-article corpus, without the peers."""
from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
RUN = REPO / "bench" / "run.py"


def _load_run():
    spec = importlib.util.spec_from_file_location("bench_run", RUN)
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_run"] = module   # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


def test_benchmark_runs_on_a_small_corpus(tmp_path: Path) -> None:
    doc = tmp_path / "benchmarks.md"
    done = subprocess.run([sys.executable, str(RUN), "--n", "50", "--runs", "1", "--peers", "none",
                           "--workdir", str(tmp_path / "work"), "--markdown", str(doc)],
                          cwd=REPO, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    rows = {tuple(line.split()[:2]) for line in done.stdout.splitlines() if line.startswith("broadsheet ")}
    assert rows >= {("broadsheet", "clean"), ("broadsheet", "no-change"), ("broadsheet", "one-edit")}
    assert "one-article edit, Broadsheet's output: OK" in done.stdout
    assert "load average at the start of each repetition" in done.stdout
    results = doc.read_text().split("### Peak memory")[0]
    table = [line for line in results.splitlines() if line.startswith("| broadsheet |")]
    assert [line.split("|")[2].strip() for line in table] == ["clean", "no-change", "one-edit"]


@pytest.mark.parametrize("gnu_time", [True, False])
def test_measure_reports_the_childs_peak_memory(gnu_time: bool) -> None:
    if gnu_time and not Path("/usr/bin/time").exists():
        gnu_time = False   # the fallback wrapper is what the benchmark would use here too
    run = _load_run().measure([sys.executable, "-c", "b = bytearray(80 * 2**20); b[::4096] = b'x' * len(b[::4096])"],
                              REPO, use_gnu_time=gnu_time)
    assert run.ok and run.seconds > 0
    assert 80 * 1024 <= run.peak_kb < 400 * 1024


def test_markdown_keeps_other_sizes_and_the_commentary(tmp_path: Path) -> None:
    bench = _load_run()
    info = {"cpu": "Test CPU", "cores": "2", "ram": "1 GiB", "os": "Linux", "python": "3.11"}

    def report(n: int, seconds: float):
        r = bench.Report(n, 1, ["broadsheet"], {}, {}, "2024-01-01 00:00 UTC", [(0.5, 0.4, 0.3)])
        r.results = {"broadsheet": {s: [bench.Run(seconds, 50 * 1024 * n // 1000, 0, True)] for s in bench.SCENARIOS}}
        return r

    doc = tmp_path / "benchmarks.md"
    doc.write_text("# Benchmarks\n\nCommentary written by hand.\n")
    bench.write_markdown(doc, [report(1000, 2.0)], info)
    bench.write_markdown(doc, [report(10000, 9.0)], info)
    bench.write_markdown(doc, [report(1000, 3.0)], info)
    text = doc.read_text()
    assert "Commentary written by hand." in text
    assert text.count("### 1,000 articles") == 1 and text.count("### 10,000 articles") == 1
    assert "| broadsheet | clean | 3.00 |" in text and "| broadsheet | clean | 9.00 |" in text
    curve = text[text.index("### Peak memory"):]
    assert "| broadsheet | 50 | 500 (+50.0/1k) |" in curve


def test_a_rebuild_after_a_code_change_is_marked_disturbed(monkeypatch: pytest.MonkeyPatch) -> None:
    bench = _load_run()
    fingerprints = iter(["a", "a", "a", "a", "b", "b", "b", "b"])   # before and after each build
    monkeypatch.setattr(bench, "code_fingerprint", lambda: next(fingerprints))
    monkeypatch.setattr(bench, "run_tool", lambda tool, site: bench.Run(1.0, 0, 0, True))
    tool, previous = bench.broadsheet_tool(), []
    marks = [bench.run_broadsheet(tool, REPO, scenario, previous).disturbed
             for scenario in ("clean", "no-change", "one-edit", "clean")]
    assert marks == [False, False, True, False]


def test_each_build_is_timed_after_the_disk_writes_before_it_are_done(monkeypatch: pytest.MonkeyPatch) -> None:
    run = _load_run()
    events = []
    monkeypatch.setattr(run.os, "sync", lambda: events.append("sync"))
    monkeypatch.setattr(run, "measure", lambda cmd, cwd: events.append("measure"))
    tool = run.Tool("hugo", lambda site: ["true"], (), lambda site, sec, slug: site, lambda *a: None, "")
    run.run_tool(tool, Path("."))
    run.run_tool(tool, Path("."))
    assert events == ["sync", "measure", "sync", "measure"]


def test_broadsheet_runs_compiled_to_bytecode_as_an_installed_package_would() -> None:
    run = _load_run()
    source = REPO / "generator" / "build.py"
    compiled = Path(importlib.util.cache_from_source(str(source)))
    compiled.unlink(missing_ok=True)
    run.compile_broadsheet()
    assert compiled.is_file() and compiled.stat().st_size > 0


def test_the_photo_benchmark_runs_on_a_few_photos(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, str(REPO / "bench" / "photos.py"), "--n", "3", "--size", "900x600",
                           "--workdir", str(tmp_path)], cwd=REPO, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    rows = [line.split()[0] for line in done.stdout.splitlines() if line.split()[1:3][-1:] == ["s"]]
    assert rows == ["clean", "no-change", "one-edit", "output-lost"]
    assert "MB WebP" in done.stdout
    out = tmp_path / "photos3" / "output" / "images"
    assert len(list(out.glob("photo-0-*.webp"))) == 3      # 320, 640 and its own 900
