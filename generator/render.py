"""The one Jinja environment of a build, and rendering of page jobs."""
from __future__ import annotations

import types
from pathlib import Path
from typing import Callable

import jinja2
import jinja2.runtime
import markupsafe
from jinja2.compiler import CodeGenerator, optimizeconst

from . import speedups
from . import i18n
from .problems import BuildError, Problem
from .theme import template_folders


def make_environment(site: Path, theme: Path, compiled: Path | None = None) -> jinja2.Environment:
    """The site's templates/ overrides any single template of the theme; a template the theme
    lacks (say, a page kind added in a later version) comes from the bundled default theme.
    `compiled`: a folder to keep compiled templates in between builds (Jinja checks each one
    against its template's source); compiling the default theme costs ~0.15 s per process."""
    folders = template_folders(site, theme)
    loaders = [jinja2.FileSystemLoader(str(d)) for d in dict.fromkeys(folders) if d.is_dir()]
    # Jinja's own, unless its code generation is verified for the installed Jinja (see _Environment)
    environment = _Environment if speedups.enabled("jinja_codegen") else jinja2.Environment
    env = environment(
        loader=jinja2.ChoiceLoader(loaders),
        autoescape=jinja2.select_autoescape(["html", "htm", "xml"], default_for_string=True),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,      # one environment per build: no need to stat each template on every page
        bytecode_cache=_compiled_cache(compiled) if compiled is not None else None,
    )
    env.globals["cached"] = MacroCache()
    # (the page's language is the one in effect while it renders: i18n.speaking())
    env.add_extension("jinja2.ext.i18n")
    env.install_gettext_callables(i18n.gettext, i18n.ngettext, newstyle=True)   # type: ignore[attr-defined]
    env.globals["speak"] = i18n.speak       # (a story in another language than its page's: its parts in its own)
    return env


def _compiled_cache(folder: Path) -> jinja2.BytecodeCache | None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None     # a cache that cannot be kept is no reason to fail a build
    return _KeptIfPossible(str(folder))


class _KeptIfPossible(jinja2.FileSystemBytecodeCache):
    """Compiled templates kept where the disk allows: a full disk under .broadsheet/ costs the
    next build some compiling, never this build."""

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        try:
            super().dump_bytecode(bucket)
        except OSError:
            pass


def text_escaper() -> Callable[[str], str]:
    """What markupsafe.escape() makes of a str, as a plain str: markupsafe's own C loop behind
    escape() where it is verified (a private name), else escape() itself.

    A printed value is only ever joined into the page (or into a macro's, block's or filter's
    text, which Jinja wraps as Markup itself), so the Markup object escape() builds for each of
    the hundreds of values on a page is work for nothing: a fifth of the rendering time."""
    if speedups.enabled("markupsafe_escape"):
        from markupsafe import _escape_inner
        return _escape_inner
    return markupsafe.escape


class _PlainEscapes(CodeGenerator):
    """Jinja's code generator, printing autoescaped values through text_escaper()'s function.
    Jinja's own native-types environment overrides the same hook to change how values are printed.

    A page prints ~80 values and looks up ~80 attributes, so both are written out in the
    compiled template for the common case (a str to escape; an attribute Python finds), with
    environment.escape_output() and environment.getattr() for the rest. `_ev`, `_go` and `_ga` are
    temporaries, each read right after it is set (nested lookups finish before the outer one sets them)."""

    def _output_child_pre(self, node, frame, finalize) -> None:
        if frame.eval_ctx.autoescape and not frame.eval_ctx.volatile and finalize.src is None:
            self.write("(environment.escape_text(_ev) if type(_ev := ")
        else:
            super()._output_child_pre(node, frame, finalize)

    def _output_child_post(self, node, frame, finalize) -> None:
        if frame.eval_ctx.autoescape and not frame.eval_ctx.volatile and finalize.src is None:
            self.write(") is str else environment.escape_output(_ev))")
        else:
            super()._output_child_post(node, frame, finalize)

    @optimizeconst
    def visit_Getattr(self, node, frame) -> None:
        """`a.b`: Python's getattr(), then, only if that finds nothing, Jinja's (which tries a["b"])."""
        if self.environment.is_async or self.environment.sandboxed:
            return super().visit_Getattr(node, frame)
        self.write("(_ga if (_ga := getattr((_go := ")
        self.visit(node.node, frame)
        self.write(f"), {node.attr!r}, missing)) is not missing else environment.getattr(_go, {node.attr!r}))")


class MacroCache:
    """`{{ cached(card, c, "medium", 3) }}`: the same call's output, made once per build.

    A story's card shows on its section, tag, author and archive pages and beside related
    stories: rendering it once instead of each time is a third of a listing page's cost. Only for
    macros whose output depends on nothing but their arguments (a macro imported without context
    sees no page variables). The frozen view models are hashable; a call with an unhashable
    argument is simply made each time.

    Most calls pass the very objects an earlier call passed (the presenter makes each card, site
    view and byline once), so a call is first looked up by the identity of its arguments, which
    costs less than hashing a view (Python code, field by field, every time). An entry keeps its
    arguments alive, so their ids cannot be reused while it stands."""

    # At most this many outputs are kept; then the cache starts afresh. Each worker process fills
    # its own copy, and kept whole it grows with the archive: at 100,000 stories, ~300 MB per
    # process by the end of the render (the render took as long with the limit, within noise).
    MAX_MADE = 30_000
    MAX_BY_IDENTITY = 200_000   # a long-lived environment (the dev server's) starts that layer afresh

    def __init__(self) -> None:
        self._made: dict = {}
        self._by_identity: dict = {}

    def __call__(self, macro, *args, **kwargs):
        # ids of the arguments, then the keywords' names: unambiguous, as there are as many ids as arguments
        # (and the language the page is rendered in: a macro's words are in it)
        words = i18n.CURRENT.get()
        if kwargs:
            ids = (id(words), id(macro), *map(id, args), *map(id, kwargs.values()), *kwargs)
        else:
            ids = (id(words), id(macro), *map(id, args))
        known = self._by_identity.get(ids)
        if known is not None:
            return known[0]
        key = (id(words), macro, args, tuple(kwargs.items()))
        try:
            made = self._made.get(key)
        except TypeError:   # an unhashable argument (say, a dict): nothing to look up by
            return macro(*args, **kwargs)
        if made is None:
            if len(self._made) >= self.MAX_MADE:
                self._made.clear()
                self._by_identity.clear()   # (its entries keep the outputs and their arguments alive)
            made = self._made[key] = macro(*args, **kwargs)
        if len(self._by_identity) >= self.MAX_BY_IDENTITY:
            self._by_identity.clear()
        self._by_identity[ids] = (made, key)
        return made


# callables that never take a context: macros, cached(), and built-in methods (`extra.get("kicker")`),
# which can carry no `jinja_pass_arg` mark
_PLAIN_CALLABLES = frozenset({MacroCache, jinja2.runtime.Macro, types.BuiltinMethodType})


class _Context(jinja2.runtime.Context):
    def call(__self, __obj, /, *args, **kwargs):
        """Jinja's every `f(...)` in a template: a macro or cached() straight away, without first
        asking whether it wants the context passed in (neither does; that asking is most of the
        cost of the dozens of such calls on a page)."""
        if type(__obj) in _PLAIN_CALLABLES:
            kwargs.pop("_block_vars", None)
            kwargs.pop("_loop_vars", None)
            try:
                return __obj(*args, **kwargs)
            except StopIteration:   # as Jinja's own call() does
                return __self.environment.undefined("value was undefined because a callable raised a"
                                                    " StopIteration exception")
        return super().call(__obj, *args, **kwargs)


class _Environment(jinja2.Environment):
    """Jinja's environment with the code generation, calls and globals above: private hooks,
    so used only with a Jinja release listed in speedups.VERIFIED. A template it compiled runs
    only in such an environment: the compiled-template cache is kept per speedups.signature()."""
    code_generator_class = _PlainEscapes
    context_class = _Context

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.escape_text = text_escaper()   # (an instance's function: called unbound, as compiled code does)

    def escape_output(self, value: object) -> str:
        """What markupsafe.escape() makes of any printed value (escape_text() takes a str), as a str."""
        if type(value) is str:
            return self.escape_text(value)
        if hasattr(value, "__html__"):
            return value.__html__()
        return self.escape_text(str(value))

    def make_globals(self, d):
        """A template's globals as a plain dict, not Jinja's ChainMap over the environment's: each
        page copies them into its context, and each import compares their keys, which a ChainMap
        does in Python. The environment's globals are all set before any template is loaded."""
        return {**self.globals, **(d or {})}


def template_problem(exc: Exception, fallback: str) -> Problem:
    """Name the template file and line a Jinja error came from."""
    if isinstance(exc, jinja2.TemplateSyntaxError):
        return Problem(exc.filename or exc.name or fallback, exc.lineno, "template", exc.message or str(exc))
    tb = exc.__traceback__
    where, line = fallback, None
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if filename.endswith((".html", ".xml", ".txt", ".j2")):
            where, line = filename, tb.tb_lineno
        tb = tb.tb_next
    return Problem(where, line, "template", f"{type(exc).__name__}: {exc}")


def render(env: jinja2.Environment, template: str, context: dict) -> str:
    try:
        return env.get_template(template).render(context)
    except jinja2.TemplateNotFound as exc:
        raise BuildError([Problem(template, None, "template", f"not found: {exc.name}")]) from None
    except Exception as exc:  # a template error of any kind must name the template, not dump a traceback
        if not isinstance(exc, (jinja2.TemplateError, TypeError, ValueError, AttributeError, KeyError, IndexError, ZeroDivisionError)):
            raise
        raise BuildError([template_problem(exc, template)]) from None
