"""The build's side of photos (issue 16): which files are photos, what each will be published as
(its Plan, known from its header and kept by its bytes' digest, so a build that finds the same
photos reads none of them), and the job that makes and writes its files.

A photo is a JPEG, PNG, WebP or AVIF file in the site's static/ folder. Its renditions go beside
it ("images/ship.jpg" -> "images/ship-640w.3f2a9c1b0e7d.webp"), and its own path serves its
widest rendition in its own format: a link to the file as it was handed in still works, and no
published file holds the camera's metadata. The theme's images (its icons) and GIFs (which may
move) are published as they are.
"""
from __future__ import annotations

import hashlib
import os
import pickle
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Iterable

from .photos import Plan, PhotoError, Rendition, crops, made_once, make, plan, recipe_key
from .problems import Problem

SUFFIXES = (".jpg", ".jpeg", ".png", ".webp", ".avif")
FOLDER = "photos"       # in the cache folder: the renditions made, by name, and the plans


@dataclass(frozen=True)
class PhotoJob:
    path: str           # the photo in the built site: "images/ship.jpg"
    source: Path
    digest: str         # SHA-256 of the source's bytes
    plan: Plan
    cropped: tuple[Rendition, ...] = ()     # the crops stories show it in (see with_crops())

    @property
    def stem(self) -> str:
        return self.path.rpartition("/")[2].rpartition(".")[0]

    def crops(self, focus: tuple[float, float] | None = None) -> tuple[Rendition, ...]:
        """Its social card and 16x9, 4x3 and 1x1 crops about `focus` (photos.crops())."""
        return crops(self.plan, self.stem, self.digest, focus)

    def where(self, name: str) -> str:
        """The built site's path of a rendition named `name`: beside the photo."""
        folder = self.path.rpartition("/")[0]
        return f"{folder}/{name}" if folder else name

    def outputs(self) -> list[tuple[str, str]]:
        """(output path, key) of each file the job writes: a rendition's name is its key (it holds
        the hash of everything the file is made from)."""
        out = [(self.where(r.name), r.name) for r in (*self.plan.renditions, *self.cropped)]
        own = self.plan.own()
        if own is not None:
            out.append((self.path, own.name))
        return out


def photo_files(site_dir: Path, static: dict[str, Path]) -> dict[str, Path]:
    """The static files that are photos: the site's own JPEG, PNG, WebP and AVIF files."""
    root = site_dir / "static"
    return {rel: path for rel, path in static.items()
            if path.suffix.lower() in SUFFIXES and path.is_relative_to(root)}


def photo_jobs(site_dir: Path, photos: dict[str, Path], digests: dict[str, str], cache_folder: Path | None) -> list[PhotoJob]:
    """A job per photo, its plan from the plans kept in the cache folder when the photo's bytes
    are the same. BuildError (from problems.py) naming each photo that cannot be read."""
    from .problems import BuildError
    kept = _load_plans(cache_folder)
    plans: dict[tuple[str, str], Plan] = {}
    jobs, problems = [], []
    for rel, source in photos.items():
        digest = digests[rel]
        stem = rel.rpartition("/")[2].rpartition(".")[0]
        known = kept.get((stem, digest))
        if known is None:
            try:
                known = plan(source, stem, digest=digest)
            except PhotoError as exc:
                problems.append(Problem(_shown(site_dir, source), None, "image", str(exc)))
                continue
        plans[(stem, digest)] = known
        jobs.append(PhotoJob(rel, source, digest, known))
    if problems:
        raise BuildError(problems)
    if plans != kept:
        _save_plans(cache_folder, plans)
    return jobs


def make_photo(job: PhotoJob, sink: Any, site_dir: Path, cache_folder: Path | None) -> list[Problem]:
    """Make (or read back from the cache) a photo's files and write them to the sink; the
    problems found reading the photo in full."""
    try:
        data = job.source.read_bytes()
        if hashlib.sha256(data).hexdigest() != job.digest:
            return [Problem(_shown(site_dir, job.source), None, "image", "changed while the site was being built; build again")]
        made = (made_once(data, job.plan, cache_folder / FOLDER, job.cropped) if cache_folder is not None
                else make(data, job.plan, job.cropped))
    except PhotoError as exc:
        return [Problem(_shown(site_dir, job.source), None, "image", str(exc))]
    except OSError as exc:
        return [Problem(_shown(site_dir, job.source), None, "image", f"cannot be read: {exc.strerror or exc}")]
    own = job.plan.own()
    for r in made:
        sink.write(job.where(r.name), r.data)
        if own is not None and r.name == own.name:
            sink.write(job.path, r.data)
    return []


def with_crops(jobs: list[PhotoJob], focuses: dict[str, set[tuple[float, float] | None]]) -> list[PhotoJob]:
    """The jobs, each making the crops of it at the focus points in `focuses` (photo path -> the
    points the stories that lead with it keep in frame; None: the centre)."""
    out = []
    for job in jobs:
        wanted = focuses.get(job.path)
        if wanted:
            made = {r.name: r for focus in sorted(wanted, key=lambda f: f or (-1, -1)) for r in job.crops(focus)}
            job = replace(job, cropped=tuple(made.values()))
        out.append(job)
    return out


def lead_focuses(photos: dict[str, PhotoJob], srcs: Iterable[tuple[str, tuple[float, float] | None]]) -> dict[str, set]:
    """Of (image src, focus) pairs: the photo path -> focus points wanted of each site photo."""
    from .urls import site_path
    out: dict[str, set] = {}
    for src, focus in srcs:
        path = site_path(src)
        if path in photos:
            out.setdefault(path, set()).add(focus)
    return out


def prune(cache_folder: Path | None, jobs: Iterable[PhotoJob]) -> None:
    """Drop the files in the cache that none of these photos is made in (an old version of a
    photo, a crop no story asks for any more): the folder would otherwise grow with every change.
    Called after a build that planned every page; another build's temporary files (.NAME) stay."""
    if cache_folder is None:
        return
    folder = cache_folder / FOLDER
    keep = {name for job in jobs for _, name in job.outputs()} | {_plans_file(cache_folder).name}
    try:
        names = os.listdir(folder)
    except OSError:
        return
    for name in names:
        if name not in keep and not name.startswith("."):
            try:
                (folder / name).unlink()
            except OSError:
                pass


def outputs_of(jobs: Iterable[PhotoJob]) -> list[tuple[str, str]]:
    return [out for job in jobs for out in job.outputs()]


def photos_key(jobs: Iterable[PhotoJob]) -> list[tuple[str, int, int, tuple[str, ...]]]:
    """What pages may show of the photos (for the site's key): each one's size and files."""
    return [(job.path, job.plan.width, job.plan.height, tuple(r.name for r in job.plan.renditions)) for job in jobs]


def _shown(site_dir: Path, path: Path) -> str:
    try:
        return path.relative_to(site_dir).as_posix()
    except ValueError:
        return str(path)


def _plans_file(cache_folder: Path) -> Path:
    return cache_folder / FOLDER / "plans.pickle"


def _load_plans(cache_folder: Path | None) -> dict[tuple[str, str], Plan]:
    if cache_folder is None:
        return {}
    try:
        with _plans_file(cache_folder).open("rb") as f:
            saved = pickle.load(f)
        return saved["plans"] if saved.get("recipe") == recipe_key() else {}
    except Exception:       # noqa: BLE001 - missing, cut short or from another version: planned afresh
        return {}


def _save_plans(cache_folder: Path | None, plans: dict[tuple[str, str], Plan]) -> None:
    """Kept atomically; a cache that cannot be written is only slower."""
    if cache_folder is None:
        return
    target = _plans_file(cache_folder)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".plans.{os.getpid()}.tmp")
        tmp.write_bytes(pickle.dumps({"recipe": recipe_key(), "plans": plans}, protocol=pickle.HIGHEST_PROTOCOL))
        os.replace(tmp, target)
    except OSError:
        pass
