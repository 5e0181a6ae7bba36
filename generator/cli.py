"""Commands only: parse arguments, call the library, print, exit."""
from __future__ import annotations

import argparse
import os
import re
import sys
from datetime import datetime, timezone
from pathlib import Path

from . import __version__
from .build import BuildOptions, build_site, held_back
from .cache import clean as clean_cache
from .content import printable
from .problems import BuildError


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="broadsheet", description="Build static news sites from Markdown.")
    parser.add_argument("--version", action="version", version=f"broadsheet {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    build = commands.add_parser("build", help="build the site into its output folder",
                                description="Build the site into its output folder (default SITE/output).")
    build.add_argument("site", nargs="?", default=".", type=Path, help="the site folder (default: here)")
    build.add_argument("--output", "-o", type=Path, help="where to write the site (default: SITE/output)")
    build.add_argument("--drafts", action="store_true", help="include articles marked draft: true")
    build.add_argument("--future", action="store_true", help="include articles published in the future")
    build.add_argument("--base-url", help="override base_url from site.toml (e.g. for a staging host)")
    build.add_argument("--no-cache", action="store_true", help="ignore SITE/.broadsheet/cache: parse and render everything")
    loud = build.add_mutually_exclusive_group()
    loud.add_argument("-q", "--quiet", action="store_true", help="print nothing on success")
    loud.add_argument("-v", "--verbose", action="store_true", help="print the time of each phase")

    serve = commands.add_parser(
        "serve", help="build, serve on 127.0.0.1 and rebuild on every change, reloading open pages",
        description="Build the site into SITE/.broadsheet/serve, serve it over HTTP, watch content/, templates/, "
                    "static/, data/, the theme and site.toml, and rebuild what a change affects; open pages reload "
                    "by themselves. Drafts and scheduled stories are shown with a banner. Ctrl-C stops it.")
    serve.add_argument("site", nargs="?", default=".", type=Path, help="the site folder (default: here)")
    serve.add_argument("--host", default="127.0.0.1", help="the address to listen on (default: 127.0.0.1, this machine only)")
    serve.add_argument("--port", type=int, default=8000, help="the port to listen on (default: 8000; 0 picks a free one)")
    serve.add_argument("--no-drafts", action="store_true", help="leave out draft: true stories (scheduled ones still show)")
    serve.add_argument("--open", action="store_true", help="open the site in the web browser once it is built")
    serve.add_argument("--allow-host", action="append", default=[], metavar="NAME",
                       help="also answer requests whose Host is NAME (repeatable; by default only the --host "
                            "address, localhost, 127.0.0.1 and [::1] with the port are answered)")

    theme = commands.add_parser("theme", help="theme tools: 'theme new NAME' copies the default theme into the site",
                                description="Copy the bundled default theme into SITE/themes/NAME to customise it.")
    theme_commands = theme.add_subparsers(dest="theme_command", required=True, metavar="ACTION")
    theme_new = theme_commands.add_parser("new", help="copy the default theme into themes/NAME",
                                          description="Copy the bundled default theme into SITE/themes/NAME; then set "
                                                      "theme = \"NAME\" in site.toml.")
    theme_new.add_argument("name", help="the new theme's name, e.g. gazette")
    theme_new.add_argument("--site", type=Path, default=Path("."), help="the site folder (default: here)")

    clean = commands.add_parser("clean", help="drop the build cache (SITE/.broadsheet/cache)",
                                description="Delete the build cache. The next build parses and renders everything.")
    clean.add_argument("site", nargs="?", default=".", type=Path, help="the site folder (default: here)")

    schedule = commands.add_parser(
        "schedule", help="list the stories held back until their publication time",
        description="List the stories whose 'published' time is still to come, soonest first, as "
                    "'ISO-8601-time  path  title' lines: run 'broadsheet build' after each one is due.")
    schedule.add_argument("site", nargs="?", default=".", type=Path, help="the site folder (default: here)")

    init = commands.add_parser("init", help="make a new site", description="Make a new site that builds at once.")
    init.add_argument("dir", type=Path, help="the folder for the new site")

    new = commands.add_parser("new", help="start a new article", description="Write content/SECTION/<slug>.md with front matter filled in.")
    new.add_argument("section", help="the section, e.g. world")
    new.add_argument("title", help="the headline")
    new.add_argument("--site", type=Path, default=Path("."), help="the site folder (default: here)")
    return parser


def _fail(exc: BuildError, what: str) -> int:
    for problem in exc.problems:
        print(problem, file=sys.stderr)
    count = len(exc.problems)
    print(f"{what} failed: {count} problem{'s' if count != 1 else ''}.", file=sys.stderr)
    return 1


def _undecodable(args: argparse.Namespace) -> str | None:
    """What is wrong with a text argument that is not UTF-8 (Python passes its bytes on as lone
    surrogates, which no file can be written with), or None. Paths may hold such bytes."""
    for name, value in vars(args).items():
        if isinstance(value, str) and _SURROGATE.search(value):
            return f"argument {name}: '{printable(value)}' is not UTF-8 text (set the terminal to UTF-8, or retype it)"
    return None


_SURROGATE = re.compile("[\ud800-\udfff]")


def main(argv: list[str] | None = None) -> int:
    """The command line; never a traceback for a problem outside Broadsheet's own code (set
    BROADSHEET_TRACEBACK=1 to see one for a bug in it)."""
    try:
        return _main(argv)
    except OSError as exc:      # the file system said no where nothing expected it to
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"{where}{exc.strerror or exc}", file=sys.stderr)
        return 1
    except Exception as exc:  # noqa: BLE001 - a bug: say so in one line, and how to see more
        if os.environ.get("BROADSHEET_TRACEBACK"):
            raise
        print(f"broadsheet: internal error ({type(exc).__name__}: {exc}); please report it, with the output "
              "of the same command run with BROADSHEET_TRACEBACK=1", file=sys.stderr)
        return 1


def _main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    undecodable = _undecodable(args)
    if undecodable:
        parser.error(undecodable)     # a usage error: exit status 2
    try:
        if args.command == "build":
            options = BuildOptions(output=args.output, drafts=args.drafts, future=args.future, base_url=args.base_url,
                                   cache=not args.no_cache)
            try:
                result = build_site(args.site, options)
            except BuildError as exc:
                code = _fail(exc, "Build")
                print("Nothing was written; the previous output is unchanged.", file=sys.stderr)
                return code
            if args.verbose:
                for name, seconds in result.phases.items():
                    note = " (feeds and sitemaps, made while the pages render)" if name == "feeds" else ""
                    print(f"  {name:<8} {seconds * 1000:8.1f} ms{note}")
                print(f"  cache: {result.articles_cached} of {result.sources} sources reused "
                      f"({result.sources - result.read} not even read: unchanged since the last build), "
                      f"{result.pages - result.rendered} of {result.pages} pages unchanged"
                      + (f" ({result.pages - result.planned} not even planned: they show no story that changed"
                         + ("; the last build's job graph named the rest" if result.from_graph else "") + ")"
                         if result.planned < result.pages else ""))
            if not args.quiet:
                print(result.summary())
                if result.next_due():
                    print(result.next_due())
            return 0
        if args.command == "serve":
            from .serve import serve
            return serve(args.site, args.host, args.port, drafts=not args.no_drafts, open_browser=args.open,
                         allow_hosts=args.allow_host)
        if args.command == "theme":
            from .scaffold import new_theme     # (it reads YAML: not imported for a build)
            path = new_theme(args.site, args.name)
            print(f"created {path}: set theme = \"{args.name}\" in site.toml to use it")
            return 0
        if args.command == "clean":
            print("Cache removed." if clean_cache(args.site) else "No cache to remove.")
            return 0
        if args.command == "schedule":
            for article in held_back(args.site, datetime.now(timezone.utc)):
                print(f"{article.published.isoformat()}  {article.path}  {article.title}")
            return 0
        if args.command == "init":
            from .scaffold import init_site
            made = init_site(args.dir, datetime.now(timezone.utc).replace(microsecond=0))
            for path in made:
                print(f"created {path}")
            print(f"New site in {args.dir}: run 'broadsheet build {args.dir}'")
            return 0
        if args.command == "new":
            from .scaffold import new_article
            path = new_article(args.site, args.section, args.title)
            print(f"created {path} (marked draft: true; remove that line to publish it)")
            return 0
    except BuildError as exc:
        return _fail(exc, args.command.capitalize())
    except KeyboardInterrupt:
        print("Interrupted.", file=sys.stderr)
        return 130
    return 2


def run() -> None:
    """The `broadsheet` command: main(), then exit without tearing down the heap object by object
    (a 10,000-story build leaves ~200 MB of objects; freeing them one by one takes 30-80 ms, for nothing)."""
    code = main()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    run()
