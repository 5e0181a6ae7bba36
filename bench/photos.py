"""Photo benchmark: a site whose stories each lead with a camera-size JPEG (issue 16).

    python bench/photos.py [--n 1000] [--size 4000x3000] [--workdir DIR]

Writes N stories, each with its own JPEG (SIZE, quality 92, with noise so it encodes like a
photograph, EXIF orientation, GPS and a camera serial number), under WORKDIR/photosN/ (kept and
reused), then times, as subprocesses of this interpreter (`python -m generator build SITE -q`):

  clean          output and cache deleted first: every photo decoded, resized and encoded
  no-change      the same build again
  one-edit       a sentence appended to one story: its page is made again, no photo is read
  output-lost    the output deleted, the cache kept: the photos' files are read back from it

and prints the seconds of each, the photos per second of the clean build, and the size of the
published photo files against the sources'.
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def make_site(site: Path, n: int, size: tuple[int, int]) -> None:
    from PIL import Image
    marker = site / ".complete"
    if marker.exists() and marker.read_text() == f"{n} {size}":
        return
    shutil.rmtree(site, ignore_errors=True)
    (site / "static/images").mkdir(parents=True)
    (site / "content/news").mkdir(parents=True)
    (site / "site.toml").write_text('title = "Photo Times"\nbase_url = "https://photos.example/"\ntimezone = "UTC"\n')
    base = Image.effect_noise(size, 40).convert("RGB")
    for i in range(n):
        tint = Image.new("RGB", size, ((i * 37) % 256, (i * 91) % 256, (i * 53) % 256))
        photo = Image.blend(base, tint, 0.5)
        exif = Image.Exif()
        exif[0x0112], exif[0x010F], exif[0xA431] = 1, "Camera", f"SN-{i}"
        exif.get_ifd(0x8825).update({1: "N", 2: (28.0, 36.0, float(i % 60)), 3: "E", 4: (77.0, 12.0, 30.0)})
        photo.save(site / f"static/images/photo-{i}.jpg", quality=92, exif=exif)
        (site / f"content/news/story-{i}.md").write_text(
            f"---\ntitle: Story {i}\npublished: 2024-01-01 00:{i % 60:02d}:00\n"
            f"image:\n  src: /images/photo-{i}.jpg\n  alt: Photo number {i}\n---\n\nThe body of story {i}.\n")
    marker.write_text(f"{n} {size}")


def timed(site: Path) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "generator", "build", str(site), "-q"], cwd=ROOT, check=True,
                   env={**os.environ, "PYTHONPATH": str(ROOT)})
    return time.perf_counter() - started


def total(folder: Path, suffixes: tuple[str, ...]) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.suffix in suffixes)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--size", default="4000x3000")
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/broadsheet-bench"))
    args = parser.parse_args()
    size = tuple(int(x) for x in args.size.split("x"))
    site = args.workdir / f"photos{args.n}"
    started = time.perf_counter()
    make_site(site, args.n, size)
    print(f"{args.n} stories with a {args.size} JPEG each ({total(site / 'static', ('.jpg',)) / 1e6:.0f} MB), "
          f"made in {time.perf_counter() - started:.0f} s")
    shutil.rmtree(site / "output", ignore_errors=True)
    shutil.rmtree(site / ".broadsheet", ignore_errors=True)
    clean = timed(site)
    print(f"clean        {clean:8.2f} s   ({args.n / clean:.1f} photos/s, {os.cpu_count()} cores)")
    print(f"no-change    {timed(site):8.2f} s")
    story = site / "content/news/story-0.md"
    story.write_text(story.read_text() + "\nOne more sentence.\n")
    print(f"one-edit     {timed(site):8.2f} s")
    shutil.rmtree(site / "output")
    print(f"output-lost  {timed(site):8.2f} s")
    out = site / "output" / "images"
    print(f"published: {total(out, ('.avif',)) / 1e6:.1f} MB AVIF, {total(out, ('.webp',)) / 1e6:.1f} MB WebP, "
          f"{total(out, ('.jpg',)) / 1e6:.1f} MB JPEG (each photo's own path included)")


if __name__ == "__main__":
    main()
