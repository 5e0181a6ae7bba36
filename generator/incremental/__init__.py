"""The one part of a build that knows about the last build.

- keys.py: what each input is, as a key (settings, templates, sources, the code and libraries,
  the clock's rules), so a build can tell what changed without looking inside anything.
- outputs.py: what the last build left in the output folder, file by file, and whether the
  folder is still as it was left (nothing touched by hand, nothing missing, nothing added).
- last.py: LastBuild, what a build leaves for the next build of the same output; and diff():
  nothing changed, only the clock did, only some stories did (none of them where it is filed or
  when), or anything else — from which the build knows which jobs to run.
- graph.py: the jobs a build planned and which of them show each story, saved for the next
  build, which asks it first: if only stories changed, the graph names the jobs to run.
- early.py: the dev server's edited pages, rendered from its last build's Site before loading.

The rest of the build (parse, model, plan, render) knows nothing of any earlier build.
"""
from __future__ import annotations

from collections import ChainMap
from typing import Mapping


def layered(new: Mapping, base: Mapping) -> ChainMap:
    """`new` over `base`, one layer deep however often it is done (a ChainMap made by this is
    not stacked again: its top layer takes the new entries)."""
    if isinstance(base, ChainMap):
        return ChainMap({**base.maps[0], **new}, *base.maps[1:])
    return ChainMap(new, base)
