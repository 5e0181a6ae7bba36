"""The HTTP side of `broadsheet serve`: a threaded server with a real listen backlog, and the
handler that answers GET and HEAD with files of the served folder (see serve_guard for what it
agrees to answer), adds the live-reload script to pages and streams reload events."""
from __future__ import annotations

import http.server
import json
import mimetypes
import os
import socket
import stat
import sys
import time
from http import HTTPStatus
from pathlib import Path
from typing import TYPE_CHECKING, Callable
from urllib.parse import parse_qs, unquote

from .serve import EVENTS_PATH, KEEPALIVE_SECONDS, error_page, explain, inject, reload_script
from .serve_guard import asked_for, contained, location, split_target

if TYPE_CHECKING:
    from .serve import DevServer

FRESH_WAIT_SECONDS = 0.3    # the longest a request waits for a running rebuild (see Handler.do_GET)
BACKLOG = 512               # connections the kernel holds before they are accepted (socketserver's default: 5)
IDLE_SECONDS = 60.0         # a kept-alive connection silent this long is closed: idle clients do not pile up threads
SWAP_RETRIES = 20           # 10 ms apart: a request that finds the served folder gone while a new one is swapped in


def listen(server: DevServer) -> http.server.ThreadingHTTPServer:
    """Bind the server's address (IPv4 or IPv6); serve_forever() is the caller's."""
    kind = _HTTPServer6 if ":" in server.host else _HTTPServer     # ::1, :: are IPv6 addresses
    httpd = kind((server.host, server.port), _handler(server))
    httpd.log = server.log
    return httpd


class _HTTPServer(http.server.ThreadingHTTPServer):
    """A thread per connection, with a real listen backlog: socketserver's default of 5 drops
    connections when a page asks for its stylesheets, scripts and images at once."""
    daemon_threads = True
    address_family = socket.AF_INET
    request_queue_size = BACKLOG
    log: Callable[[str], None] = print

    def handle_error(self, request, client_address) -> None:
        """One line in the terminal, not socketserver's traceback on stderr; a client that went
        away is not worth a line."""
        exc = sys.exc_info()[1]
        if not isinstance(exc, (ConnectionError, TimeoutError)):
            self.log(f"serve: answering {client_address[0]} failed: {explain(exc)}")


class _HTTPServer6(_HTTPServer):
    address_family = socket.AF_INET6


def _handler(server: DevServer) -> type[http.server.BaseHTTPRequestHandler]:
    class Handler(http.server.BaseHTTPRequestHandler):
        """Answers GET and HEAD with files inside the served folder, and refuses the rest with one
        line in the terminal: 400 for a target that is not a path or a missing Host; 403 for a
        Host that does not name this server (DNS rebinding: a page on evil.example whose name now
        resolves to 127.0.0.1 sends its own name) — 403 rather than 421 Misdirected Request, which
        an HTTP/2 client takes as a hint to retry on another connection; 404 for a path that would
        leave the folder; 405 for the other methods (501 for unknown ones, and 414 or 431 for an
        over-long request line or headers, from http.server itself)."""
        protocol_version = "HTTP/1.1"
        timeout = IDLE_SECONDS

        def log_message(self, format, *args):  # noqa: A002 - the terminal is for rebuilds, not requests
            pass

        def send_error(self, code, message=None, explain=None):
            if code >= 400:     # http.server's own refusals: a malformed or over-long request, an unknown method
                self.note_refusal(code, message or "")
            super().send_error(code, message, explain)

        def note_refusal(self, status: int, reason: str) -> None:
            shown = repr(getattr(self, "requestline", "") or "")[1:-1]
            shown = shown if len(shown) <= 160 else shown[:160] + "..."
            server.log(f"refused {shown or 'a request'} from {self.client_address[0]}: {reason} ({status})")

        def refuse(self, status: int, reason: str, head: bool) -> None:
            self.note_refusal(status, reason)
            if status == 404:
                return self.not_found(head)
            self.close_connection = True
            text = f"{HTTPStatus(status).phrase}: {reason}\n".encode()
            self.send(status, text, "text/plain; charset=utf-8", head)

        def refuse_method(self):
            self.note_refusal(405, f"{self.command} is not served here")
            self.close_connection = True       # a body, if any, is not read
            self.send_response(405)
            self.send_header("Allow", "GET, HEAD")
            self.send_header("Content-Length", "0")
            self.end_headers()

        do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = do_TRACE = do_CONNECT = refuse_method

        def do_HEAD(self):
            self.do_GET(head=True)

        def do_GET(self, head: bool = False):
            target = split_target(self.path)
            if target is None:
                return self.refuse(400, "the target is not a path", head)
            hosts = self.headers.get_all("Host") or []
            if len(hosts) > 1 or not hosts and target.authority is None:
                return self.refuse(400, "one Host header is required", head)
            if not all(server.host_allowed(name) for name in [target.authority, *hosts] if name is not None):
                return self.refuse(403, "the Host does not name this server (see --allow-host)", head)
            if target.path == EVENTS_PATH:
                return self.stream(parse_qs(target.query), head)
            asked = asked_for(target.path, server.base_path)
            if asked.names is None:
                if unquote(target.path) in ("/", server.base_path.rstrip("/")):
                    return self.redirect(location(server.base_path))
                return self.refuse(404, asked.refused, head) if asked.refused else self.not_found(head)
            names, rel = list(asked.names), "/".join(asked.names)
            early = server.overlay.get(f"{rel}/index.html".lstrip("/") if asked.folder or not names else rel)
            if early is not None:     # an edited story, shown before the rebuild ends
                return self.send(200, early, "text/html; charset=utf-8", head, inject_script=True)
            # Pages are served from the last build while a rebuild runs (the sink replaces files by
            # renames, so each file read is whole). A rebuild that ends within a fraction of a second
            # is waited for, so that reloading a page just after a save shows the new page; a slow one
            # holds no page up longer than that (the open tab reloads by itself when it ends).
            if not server.wait_idle(FRESH_WAIT_SECONDS):
                _await_folder(server.output)
            path = contained(str(server.output), names)
            if path is None:
                return self.refuse(404, "it leads outside the served folder", head)
            if os.path.isdir(path):
                if names and not asked.folder:
                    return self.redirect(location(f"{server.base_path}{rel}/"))
                path = contained(str(server.output), names + ["index.html"])
                names.append("index.html")
                if path is None:
                    return self.refuse(404, "it leads outside the served folder", head)
            elif asked.folder and names:
                return self.not_found(head)    # a file asked for as a folder
            name = names[-1] if names else "index.html"
            is_html = name.endswith((".html", ".htm"))
            body = _read(path)
            if server.problems and (is_html or body is None):
                return self.send(500, error_page(server.problems), "text/html; charset=utf-8", head, inject_script=True)
            if body is None:
                return self.not_found(head)
            kind = "text/html; charset=utf-8" if is_html else (mimetypes.guess_type(name)[0] or "application/octet-stream")
            if kind.startswith("text/") and "charset" not in kind or kind in ("application/javascript", "application/json"):
                kind += "; charset=utf-8"
            self.send(200, body, kind, head, inject_script=is_html)

        def not_found(self, head: bool):
            body = _read(str(server.output / "404.html"))
            if body is None:
                body = b"<!DOCTYPE html><title>Not found</title><body><h1>Not found</h1></body>"
            self.send(404, body, "text/html; charset=utf-8", head, inject_script=True)

        def redirect(self, where: str):
            self.send_response(302)
            self.send_header("Location", where)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def send(self, status: int, body: bytes, kind: str, head: bool, inject_script: bool = False):
            if inject_script:
                body = inject(body, reload_script(server.events.last, server.events.token))
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            if not head:
                self.wfile.write(body)

        def stream(self, query: dict[str, list[str]], head: bool = False):
            """Server-Sent Events: every event after the one the page has seen, then as they come."""
            self.close_connection = True
            try:
                after = int(self.headers.get("Last-Event-ID") or query.get("since", ["0"])[0])
            except ValueError:
                after = 0
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream; charset=utf-8")
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            if head:
                return
            try:
                if query.get("token", [server.events.token])[0] != server.events.token:
                    after = server.events.last     # a page from an earlier run of the server: reload it
                    self.wfile.write(f"id: {after}\nevent: reload\ndata: restarted\n\n".encode())
                self.wfile.write(b"retry: 500\n\n")
                self.wfile.flush()
                while not server.events.closed:
                    events = server.events.wait(after, KEEPALIVE_SECONDS)
                    for number, kind, data in events:
                        self.wfile.write(f"id: {number}\nevent: {kind}\ndata: {json.dumps(data)}\n\n".encode())
                        after = number
                    if not events:
                        self.wfile.write(b": keep-alive\n\n")
                    self.wfile.flush()
            except OSError:     # the page went away (or stopped reading)
                pass

    return Handler


def _await_folder(output: Path) -> None:
    """DiskSink swaps a whole new served folder in with two renames: between them it is gone.
    Wait (a little) for it, rather than answer 404 for a page that is there before and after."""
    for _ in range(SWAP_RETRIES):
        if output.is_dir():
            return
        time.sleep(0.01)


def _read(path: str) -> bytes | None:
    """A regular file's bytes, or None (missing, a folder, a name the file system refuses).
    No link is followed (the path is resolved already); a FIFO is not waited on."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
    except OSError:
        return None
    with os.fdopen(fd, "rb") as file:
        try:
            return file.read() if stat.S_ISREG(os.fstat(fd).st_mode) else None
        except OSError:
            return None
