"""Markdown -> HTML (pure). One converter per process and base path, reset between documents.

Raw HTML in a body is sanitised after Markdown has run, so the markup Markdown itself makes
(footnotes, tables, smart quotes, attr_list classes and ids) survives, while scripts, event
handlers, javascript:/data: URLs and iframes from unknown hosts do not.
"""
from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import urlsplit

from typing import TYPE_CHECKING

import lxml.html
import nh3

from . import speedups
from .complexity import markdown_work
from .config import CONTROL_CHARS, MarkdownSettings
from .images import IMG_TAG, img_attributes, unshown
from .prose import prose_html
from .urls import is_link

if TYPE_CHECKING:
    import markdown


def extensions() -> list[markdown.extensions.Extension]:
    """'extra' and 'sane_lists', as new objects (an extension keeps its converter's state). Made
    here, not named: Markdown looks a name up among every installed package's entry points
    (~25 ms, in each process that converts). Python-Markdown is imported only here and in
    _converter(): a process whose bodies are all plain prose (prose.py) never loads it (~20 ms)."""
    from markdown.extensions.abbr import AbbrExtension
    from markdown.extensions.attr_list import AttrListExtension
    from markdown.extensions.def_list import DefListExtension
    from markdown.extensions.fenced_code import FencedCodeExtension
    from markdown.extensions.footnotes import FootnoteExtension
    from markdown.extensions.md_in_html import MarkdownInHtmlExtension
    from markdown.extensions.sane_lists import SaneListExtension
    from markdown.extensions.tables import TableExtension
    return [FencedCodeExtension(), FootnoteExtension(), AttrListExtension(), DefListExtension(), TableExtension(),
            AbbrExtension(), MarkdownInHtmlExtension(), SaneListExtension()]   # extra's, in its order

# What a news story needs, and nothing that runs code or restyles the page around it.
ALLOWED_TAGS = frozenset({
    "p", "br", "hr", "div", "span",
    "em", "strong", "b", "i", "u", "s", "del", "ins", "mark", "small", "cite", "q", "dfn",
    "kbd", "samp", "var", "time", "abbr", "sup", "sub",
    "a", "ul", "ol", "li", "dl", "dt", "dd",
    "table", "caption", "thead", "tbody", "tfoot", "tr", "th", "td", "colgroup", "col",
    "figure", "figcaption", "img", "blockquote",
    "h1", "h2", "h3", "h4", "h5", "h6", "pre", "code",
    "iframe",
})
_COMMON = {"id", "class", "title", "lang", "dir"}
ALLOWED_ATTRIBUTES = {
    "*": _COMMON,
    "a": {"href", "hreflang", "name"},
    "img": {"src", "alt", "width", "height", "loading"},   # not srcset: nh3 does not check the URLs in it
    "blockquote": {"cite"}, "q": {"cite"}, "del": {"cite", "datetime"}, "ins": {"cite", "datetime"},
    "time": {"datetime"},
    "ol": {"start", "reversed", "type"},
    "th": {"colspan", "rowspan", "scope", "style"}, "td": {"colspan", "rowspan", "style"},
    "col": {"span"}, "colgroup": {"span"},
    "iframe": {"src", "width", "height", "allow", "allowfullscreen", "loading", "referrerpolicy", "frameborder"},
}
URL_SCHEMES = frozenset({"http", "https", "mailto", "tel"})


def _site_paths(md: markdown.Markdown, base_path: str):
    """A tree processor: root-relative links ('/world/x/') point into the site, which may live
    under a base path."""
    from markdown.treeprocessors import Treeprocessor

    class SitePaths(Treeprocessor):
        def run(self, root):
            for el in root.iter():
                for attr in ("href", "src"):
                    value = el.get(attr)
                    if value and value.startswith("/") and not value.startswith("//"):
                        el.set(attr, base_path + value[1:])
            return None

    return SitePaths(md)


def _news_figures(md: markdown.Markdown):
    """A tree processor: an image alone in its paragraph, with a title, is a news figure. The
    title is its caption, then its credit after a '|': ![alt](/images/x.jpg "Caption | Photograph: Name/Agency")
    becomes <figure><img><figcaption>Caption <span class="credit">Photograph: Name/Agency</span></figcaption></figure>."""
    from xml.etree import ElementTree as etree
    from markdown.treeprocessors import Treeprocessor

    class NewsFigures(Treeprocessor):
        def run(self, root):
            for p in root.iter("p"):
                if len(p) != 1 or p[0].tag != "img" or (p.text or "").strip() or (p[0].tail or "").strip():
                    continue
                img = p[0]
                title = (img.attrib.pop("title", None) or "").strip()
                if not title:
                    continue
                caption, bar, credit = title.rpartition("|") if "|" in title else (title, "", "")
                p.tag, p.text, img.tail = "figure", None, None
                figcaption = etree.SubElement(p, "figcaption")
                figcaption.text = caption.strip()
                if credit.strip():
                    if figcaption.text:
                        figcaption.text += " "
                    etree.SubElement(figcaption, "span", {"class": "credit"}).text = credit.strip()
            return None

    return NewsFigures(md)


_converters: dict[str, markdown.Markdown] = {}


class BodyError(ValueError):
    """A body that is not converted: why, and where in the text (an offset)."""

    def __init__(self, message: str, offset: int = 0):
        super().__init__(message)
        self.message, self.offset = message, offset


def render_markdown(text: str, base_path: str = "/", settings: MarkdownSettings = MarkdownSettings()) -> str:
    """A Markdown body as HTML, sanitised unless settings.unsafe_html. Raises BodyError for a
    body that would take Markdown more than settings.max_work (see complexity.py)."""
    # Control characters are invisible, break feeds (XML cannot hold them) and could forge
    # Markdown's own \x02…\x03 placeholders: gone from the text, and from what entities made.
    text = strip_controls(text)
    # plain prose: the HTML Markdown would make, made without it
    html = prose_html(text) if speedups.enabled("prose") else None
    plain = speedups.enabled("plain_html")
    if html is not None and "[" not in text and plain:
        return html     # no link: its tags have no attributes and its text no entity, so plain_html() (tested)
    if html is None:
        excess = markdown_work(text, settings.max_work)
        if excess is not None:
            raise BodyError(excess.message, excess.offset)
        md = _converters.get(base_path) or _converter(base_path)
        md.reset()
        try:
            html = md.convert(text)
        except BaseException:
            del _converters[base_path]   # stopped half-way through a document: its state is not reused
            raise
    if "<img" in html:
        _check_images(html, text, base_path)
    if settings.unsafe_html:
        return strip_controls(html)
    if plain and "<" not in text and plain_html(html):
        return html     # no raw HTML, and Markdown made nothing the sanitiser would change (tested)
    return sanitize(html, settings.embed_hosts)


def _check_images(html: str, text: str, base_path: str = "/") -> None:
    """BodyError for an image without alt text, or in a format browsers do not show, at the line
    of the text its source is on (the n-th image with a source is taken to be at that source's
    n-th place in the text)."""
    seen: dict[str, int] = {}
    for tag in IMG_TAG.findall(html):
        attrs = img_attributes(tag)
        src = attrs.get("src", "")
        seen[src] = seen.get(src, 0) + 1
        if not attrs.get("alt", "").strip():
            wrong = (f"the image {src or '(without a src)'} has no alt text: describe it for readers who cannot "
                     "see it, as in ![Fishing boats moored at dawn](/images/boats.jpg)")
        elif (unseen := unshown(src)) is not None:
            wrong = f"the image {src} {unseen}"
        else:
            continue
        at, written = -1, src[len(base_path) - 1:] if base_path != "/" and src.startswith(base_path) else src
        for _ in range(seen[src] if src else 0):
            at = text.find(written, at + 1)
            if at < 0:
                break
        raise BodyError(wrong, max(at, 0))


def _converter(base_path: str) -> markdown.Markdown:
    """This process's converter for a base path: Python-Markdown with Broadsheet's extensions,
    and the gates where they are verified for the installed Markdown."""
    import markdown
    from .typography import SmartPunctuation
    chosen = [*extensions(), SmartPunctuation()]
    if speedups.enabled("markdown_gates"):
        from .markdown_gates import GatedPatterns   # (not imported where it is not used)
        chosen.append(GatedPatterns())              # last: it sees every pattern
    md = _converters[base_path] = markdown.Markdown(extensions=chosen, output_format="html")
    md.treeprocessors.register(_news_figures(md), "news_figures", 5)   # (after the inline patterns, at 20)
    if base_path != "/":
        md.treeprocessors.register(_site_paths(md, base_path), "site_paths", 0)
    return md


_PLAIN_TAG = re.compile(r"</?(?:p|h[1-6]|blockquote|ul|ol|li|em|strong|code|pre)>|<(?:hr|br)>")


def plain_html(html: str) -> bool:
    """HTML of paragraphs, headings, lists, quotes, emphasis and code only: tags without attributes,
    text with no entities but &amp; &lt; &gt;. The sanitiser, and lxml's parse-and-write, give
    such HTML back unchanged (tests/test_parse_equivalence.py checks both on generated Markdown),
    and it holds no link to make absolute; the usual wire story's body is such HTML."""
    if "\x02" in html or "\x03" in html:
        return False    # a placeholder Markdown leaked (it can, on tangled emphasis): the sanitiser strips it
    tags = _PLAIN_TAG.findall(html)
    if html.count("<") != len(tags) or html.count(">") != len(tags) or "\xa0" in html or "\r" in html:
        return False
    if "<pre>" in tags and "<pre>\n" in html:
        return False    # (each test costs a scan of the text: the cheap ones first, the rest only when needed)
    if "<li>" in tags and "<li></li>" in html:
        return False    # an empty item ('- ' alone): lxml writes it back without its end tag, '<li>'
    return "&" not in html or html.count("&") == html.count("&amp;") + html.count("&lt;") + html.count("&gt;")


# CONTROL_CHARS in UTF-8: C0 controls and DEL are single bytes, C1 controls start with 0xC2 and
# U+FFFE/U+FFFF with 0xEF. A text whose bytes hold none of these has nothing to strip.
_MAY_BE_CONTROL = bytes([*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F, 0xC2, 0xEF])
_NEVER_CONTROL = bytes(b for b in range(256) if b not in _MAY_BE_CONTROL)


def strip_controls(text: str) -> str:
    """CONTROL_CHARS.sub("", text), without the regex's scan (slow on a whole story) for the
    usual text that, by its UTF-8 bytes, cannot hold one."""
    if not text.encode("utf-8", "surrogatepass").translate(None, _NEVER_CONTROL):
        return text
    return CONTROL_CHARS.sub("", text)


def embed_allowed(src: str, hosts: tuple[str, ...]) -> bool:
    """An iframe src is kept only over https (or scheme-relative) from a listed host."""
    src = src.strip()
    # Browsers read '\\' as '/' and drop tabs and newlines, where urlsplit does not: refuse them
    # rather than let 'https://evil.example\\@player.vimeo.com/' pass as Vimeo.
    if "\\" in src or any(ord(c) <= 0x20 for c in src):
        return False
    try:
        parts = urlsplit(src)
        host, port = (parts.hostname or "").lower(), parts.port
    except ValueError:  # e.g. an unbalanced '[' in the host, or a port that is not a number
        return False
    plain = "@" not in parts.netloc and port is None
    return parts.scheme.lower() in ("https", "") and bool(parts.netloc) and plain and host in hosts


@lru_cache(maxsize=8)
def _cleaner(hosts: tuple[str, ...]) -> nh3.Cleaner:
    def keep(tag: str, attr: str, value: str) -> str | None:
        if tag == "iframe" and attr == "src":
            return value if embed_allowed(value, hosts) else None
        if attr == "cite":  # a URL nh3 does not check itself
            return value if is_link(value) else None
        return value

    return nh3.Cleaner(
        tags=set(ALLOWED_TAGS), clean_content_tags={"script", "style"},
        attributes={k: set(v) for k, v in ALLOWED_ATTRIBUTES.items()}, attribute_filter=keep,
        url_schemes=set(URL_SCHEMES), filter_style_properties={"text-align"},  # Markdown's table alignment
    )


def sanitize(html: str, embed_hosts: tuple[str, ...]) -> str:
    """Keep the allow-listed tags and attributes; an iframe whose host is not allowed goes entirely."""
    clean = strip_controls(_cleaner(tuple(embed_hosts)).clean(html))   # '&#x1b;' comes out as the character
    if "<iframe" not in clean:
        return clean
    doc = parse_fragment(clean)
    for frame in list(doc.iter("iframe")):
        if not frame.get("src"):
            frame.drop_tree()
    return inner_html(doc)


def parse_fragment(html: str) -> lxml.html.HtmlElement:
    """An HTML fragment inside a <div>, for rewriting with lxml."""
    return lxml.html.fragment_fromstring(html, create_parent="div")


def inner_html(doc: lxml.html.HtmlElement) -> str:
    """The fragment parse_fragment read, written back as HTML."""
    return (doc.text or "") + "".join(lxml.html.tostring(child, encoding="unicode") for child in doc)
