"""The one part of a build that knows about the last build.

- keys.py: what each input is, as a key (settings, templates, sources, the code and libraries,
  the clock's rules), so a build can tell what changed without looking inside anything.
- outputs.py: what the last build left in the output folder, file by file, and whether the
  folder is still as it was left (nothing touched by hand, nothing missing, nothing added).
- last.py: LastBuild, what a build leaves for the next build of the same output; and diff():
  nothing changed, only the clock did, only some stories did (none of them where it is filed or
  when), or anything else — from which the build knows which jobs to run.

The rest of the build (parse, model, plan, render) knows nothing of any earlier build.
"""
