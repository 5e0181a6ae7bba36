"""Where a site's theme is, and the themes shipped with Broadsheet (no Jinja: a build that finds
nothing changed asks where the templates are without loading the template engine)."""
from __future__ import annotations

from pathlib import Path

from .problems import BuildError, Problem

PACKAGE_DIR = Path(__file__).resolve().parent


def bundled_themes() -> Path:
    """Themes shipped with broadsheet: inside the installed package, or the source checkout's."""
    inside = PACKAGE_DIR / "themes"
    return inside if inside.is_dir() else PACKAGE_DIR.parent / "themes"


def find_theme(site: Path, name: str) -> Path:
    """A site's own themes/NAME first, else a bundled theme."""
    for root in (site / "themes", bundled_themes()):
        if (root / name / "templates").is_dir():
            return root / name
    raise BuildError([Problem("site.toml", None, "theme", f"no theme named {name!r} in {site / 'themes'} or among the bundled themes")])


def template_folders(site: Path, theme: Path) -> list[Path]:
    """Where templates are looked for, first first: the site's own, its theme's, the default theme's."""
    return [site / "templates", theme / "templates", bundled_themes() / "default" / "templates"]
