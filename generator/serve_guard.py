"""What the dev server agrees to answer: request targets that name a file inside the served
folder, and Host headers that name this server.

A URL path is percent-decoded exactly once and split on "/"; every segment must be a plain file
name (no "", ".", "..", hidden names, backslashes, control characters, invalid UTF-8), so the
path can only be read as relative. The file found is then resolved (symbolic links followed)
and must still be inside the served folder: a link planted in it that leads out is not followed,
and an encoding trick the name check missed would still not get out.
"""
from __future__ import annotations

import ipaddress
import os
import re
from dataclasses import dataclass
from typing import Iterable
from urllib.parse import quote, unquote_to_bytes, urlsplit

MAX_NAME_BYTES = 255        # no file system has longer names: a longer segment names no file
LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})
WILDCARDS = frozenset({"", "0.0.0.0", "::"})
_HOST_NAME = re.compile(r"[A-Za-z0-9._-]+")     # what browsers send (IDNs as punycode)


@dataclass(frozen=True)
class Target:
    """A request line's target, split: the raw (still encoded) path, the query, and the host of
    an absolute-form target (`GET http://host/x HTTP/1.1`), which is checked as a Host header is."""
    path: str
    query: str = ""
    authority: str | None = None


def split_target(raw: str) -> Target | None:
    """Origin form ("/a/b?q") or absolute form ("http://host/a?q"); None for anything else
    ("*", "host:443", "a/b"). The path is cut at "?" by hand: urlsplit("//etc/x") would take
    "etc" for a host."""
    if raw.startswith("/"):
        path, _, query = raw.partition("#")[0].partition("?")
        return Target(path, query)
    if raw[:7].lower() == "http://" or raw[:8].lower() == "https://":
        try:
            url = urlsplit(raw)
        except ValueError:
            return None
        if url.path and not url.path.startswith("/") or not url.netloc:
            return None
        return Target(url.path or "/", url.query, url.netloc)
    return None


@dataclass(frozen=True)
class Asked:
    """The folder and file names a URL path asks for, and whether it ends in "/". No names: it
    names nothing that can be served; `refused` then says why, if that was more than a miss."""
    names: tuple[str, ...] | None
    folder: bool = False
    refused: str = ""


def asked_for(raw_path: str, base_path: str) -> Asked:
    """Decode a raw URL path once ("%252e" stays the name "%2e") and take it apart under base_path."""
    try:
        path = unquote_to_bytes(raw_path).decode("utf-8")
    except UnicodeDecodeError:           # overlong forms such as %c0%ae, stray bytes
        return Asked(None, refused="the path is not UTF-8")
    if not path.startswith(base_path):
        return Asked(None)               # a miss, such as /favicon.ico for a site under /news/
    names = path[len(base_path):].split("/")
    folder = names[-1] == ""
    if folder:
        names.pop()
    if not all(_plain(name) for name in names):
        return Asked(None, refused="a name in the path is empty, hidden, '..', or has a backslash or control character")
    if any(len(name.encode("utf-8")) > MAX_NAME_BYTES for name in names):
        return Asked(None)               # no file has such a name (and the file system would say ENAMETOOLONG)
    return Asked(tuple(names), folder)


def _plain(name: str) -> bool:
    return (bool(name) and not name.startswith(".") and "\\" not in name
            and not any(ord(c) < 32 or c == "\x7f" for c in name))


def contained(root: str, names: Iterable[str]) -> str | None:
    """The real path of root/names, or None if it resolves outside root (through a symbolic
    link, or any other way)."""
    real_root = os.path.realpath(root)
    real = os.path.realpath(os.path.join(real_root, *names))
    return real if real == real_root or real.startswith(real_root + os.sep) else None


def location(path: str) -> str:
    """A Location header value for a path on this server: percent-encoded, and starting with a
    single "/" (a "//" would send the browser to another host)."""
    return "/" + quote(path.lstrip("/"), safe="/")


def split_host(value: str) -> tuple[str, int | None] | None:
    """'Name:8000' -> ('name', 8000), '[::1]:80' -> ('::1', 80), 'name' -> ('name', None);
    None if it is not a host name or address with an optional port."""
    if value.startswith("["):
        host, bracket, rest = value[1:].partition("]")
        if not bracket or not _is_address(host):
            return None
    else:
        host, colon, number = value.partition(":")
        rest = colon + number
        if not _HOST_NAME.fullmatch(host):
            return None
    number = rest[1:]
    if rest and not (rest.startswith(":") and number.isascii() and number.isdigit() and len(number) <= 5):
        return None
    return host.lower().rstrip("."), int(number) if rest else None


def host_allowed(value: str | None, listen: str, port: int, extra: Iterable[str] = ()) -> bool:
    """Whether a Host header names this server: the address it listens on or a loopback name
    (localhost, 127.0.0.1, [::1]), with its port; or a name given with --allow-host, with any
    port (a proxy in front may use its own). On a wildcard address (0.0.0.0, ::) any IP address
    is accepted with the port: DNS rebinding needs a host name, and an address is not one."""
    split = split_host((value or "").strip())
    if split is None:
        return False
    host, given = split
    if host in {name.lower().rstrip(".") for name in extra}:
        return True
    if (given or 80) != port:
        return False
    if host in LOOPBACK_NAMES or host == listen.lower().strip("[]"):
        return True
    return listen in WILDCARDS and _is_address(host)


def _is_address(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True
