"""Which fast paths are on: each leans on a library's internals or on its exact output, so each is
switched on only for the versions of that library it was verified against.

A fast path gives the bytes its plain path gives (the stock library call), which its equivalence
tests check; scripts/test-versions runs them, and builds the example site both ways, at the lowest
and the highest versions pyproject.toml allows. At any version not listed here the fast path is
off and the plain path runs: slower, never wrong, never a crash. docs/versions.md says how to
verify a new version. BROADSHEET_SPEEDUPS=off switches them all off (to compare builds);
BROADSHEET_SPEEDUPS=verify switches them all on whatever the versions (to verify a new one).
"""
from __future__ import annotations

import os
import re
import sys
from functools import lru_cache
from typing import Iterable

# Each list: the releases at which that fast path's equivalence tests passed with the fast path
# forced on (BROADSHEET_SPEEDUPS=verify), one release at a time; see docs/versions.md.
MARKDOWN = ("3.5", "3.5.1", "3.5.2", "3.6", "3.7", "3.8", "3.8.1", "3.8.2", "3.9", "3.10", "3.10.1", "3.10.2",
            "3.10.3", "3.11", "3.11.1", "3.11.2", "3.11.3", "3.11.4")
JINJA = ("3.1.0", "3.1.1", "3.1.2", "3.1.3", "3.1.4", "3.1.5", "3.1.6")
MARKUPSAFE = ("3.0.0", "3.0.1", "3.0.2", "3.0.3", "3.0.4")     # 2.x has no _escape_inner
NH3 = ("0.3.0", "0.3.1", "0.3.2", "0.3.3", "0.3.4", "0.3.5", "0.3.6", "0.3.7", "0.3.8")
LXML = ("5.0.0", "5.0.1", "5.0.2", "5.1.0", "5.1.1", "5.2.0", "5.2.1", "5.2.2", "5.3.0", "5.3.1", "5.3.2", "5.4.0",
        "6.0.0", "6.0.1", "6.0.2", "6.0.3", "6.0.4", "6.1.0", "6.1.1", "6.1.2", "6.1.3", "6.2.0", "6.2.1")

# fast path -> {distribution: the versions it is verified for}
VERIFIED: dict[str, dict[str, tuple[str, ...]]] = {
    # markdown_gates.py: processors skipped where they cannot apply; Markdown's block and inline
    # loops replaced; its serializer copied. Its digests are 3.11.3's and, where 3.11.4 changed a
    # gated processor, 3.11.4's too: at 3.10.3 to 3.11.2 the equivalence tests pass too, but not
    # every gate applies, so those releases run plain Markdown.
    "markdown_gates": {"markdown": ("3.11.3", "3.11.4")},
    # prose.py: plain prose written out as the HTML Python-Markdown makes of it
    "prose": {"markdown": MARKDOWN},
    # markup.plain_html(): HTML that nh3 and lxml give back unchanged skips them
    "plain_html": {"nh3": NH3, "lxml": LXML},
    # render.py: Jinja's code generator printing and looking up attributes its own way, its
    # Context.call() and Environment.make_globals() overridden
    "jinja_codegen": {"jinja2": JINJA},
    # render.py: markupsafe's private C escape loop, without a Markup object per value
    "markupsafe_escape": {"markupsafe": MARKUPSAFE},
}


def versions(names: Iterable[str]) -> dict[str, str | None]:
    """{name: its version as importlib.metadata.version() gives it, None if not installed}, for
    distribution names. Read from the names of the .dist-info folders on sys.path, the first one
    of a name winning as it does for importlib.metadata (which costs ~30 ms to import and ask, on
    the path of a build that finds nothing changed); it is asked only about a name not found so."""
    found = _distributions(tuple(sys.path))
    return {name: found.get(_normal(name)) or _metadata_version(name) for name in names}


@lru_cache(maxsize=4)
def _distributions(path: tuple[str, ...]) -> dict[str, str]:
    """{normalised project name: version ('' for an .egg-info)} of the first .dist-info or
    .egg-info of each name on `path`: listed once per sys.path, not once per library asked about."""
    found: dict[str, str] = {}
    for entry in path:
        try:
            listed = os.listdir(entry or ".")
        except OSError:     # not a folder (a zip file, say), or gone
            continue
        for name in listed:
            stem, _, kind = name.rpartition(".")
            if kind in ("dist-info", "egg-info"):
                project, _, version = stem.partition("-")
                # (an .egg-info's name need not hold its version: importlib.metadata is asked then)
                found.setdefault(_normal(project), version if kind == "dist-info" else "")
    return found


@lru_cache(maxsize=None)
def installed(distribution: str) -> str | None:
    """The installed version of a distribution, or None (see versions())."""
    return versions((distribution,))[distribution]


def _normal(name: str) -> str:
    """A project name as a .dist-info folder spells it (PEP 503 normalised, '_' for the separators)."""
    return re.sub(r"[-_.]+", "_", name).lower()


def _metadata_version(name: str) -> str | None:
    import importlib.metadata
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return None


@lru_cache(maxsize=None)
def enabled(name: str) -> bool:
    """Whether the fast path `name` (a key of VERIFIED) is on for the installed libraries."""
    wanted = os.environ.get("BROADSHEET_SPEEDUPS", "").lower()
    if wanted in ("off", "verify"):
        return wanted == "verify"
    return all(installed(dist) in versions for dist, versions in VERIFIED[name].items())


def signature() -> str:
    """The fast paths that are on: what a build's output depends on besides Broadsheet's own code
    and the libraries' versions (cache.code_key() holds both)."""
    return repr([name for name in VERIFIED if enabled(name)])
