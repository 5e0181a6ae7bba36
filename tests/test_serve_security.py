"""`broadsheet serve` under attack, over raw HTTP (no client normalises the path for us): no
request reads a file outside the served folder, whatever the encoding; no redirect leaves the
origin; a foreign Host header is refused; every request gets an answer, never a traceback; pages
are served while a slow rebuild runs; the rebuild thread survives any exception."""
from __future__ import annotations

import http.client
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator
from urllib.parse import unquote

import lxml.html
import pytest

import generator.serve
from conftest import NOW, article, text_of, write_site
from generator.serve import EVENTS_PATH, Change, ChangeKind, DevServer

SECRET = "s3cret-b9e1c2"
SITE_TOML = 'title = "Guarded Times"\nbase_url = "https://guarded.example/"\ntimezone = "UTC"\n'


def stories(count: int) -> dict[str, str]:
    return {f"content/world/story-{n}.md": article(f"Story {n}", f"2024-02-0{n + 1} 09:00:00", body=f"Body {n}.")
            for n in range(count)}


class Reply:
    def __init__(self, status: int, headers: http.client.HTTPMessage | None, body: bytes):
        self.status, self.headers, self.body = status, headers, body

    def __repr__(self) -> str:
        return f"Reply({self.status}, {self.body[:80]!r})"


OURS = "<this server>"


def request(port: int, target: bytes | str, method: str = "GET", host: str | None = OURS,
            headers: tuple[str, ...] = (), timeout: float = 10) -> Reply:
    """One request written byte for byte (http.client and urllib would normalise the target)."""
    target = target.encode("latin-1") if isinstance(target, str) else target
    lines = [method.encode() + b" " + target + b" HTTP/1.1"]
    if host is not None:
        lines.append(f"Host: {f'127.0.0.1:{port}' if host == OURS else host}".encode("latin-1"))
    lines += [h.encode("latin-1") for h in headers] + [b"Connection: close"]
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(b"\r\n".join(lines) + b"\r\n\r\n")
        response = http.client.HTTPResponse(sock, method=method)
        response.begin()
        return Reply(response.status, response.headers, response.read())


@contextmanager
def serving(site: Path, **options) -> Iterator[DevServer]:
    """The dev server on a free loopback port, stopped afterwards."""
    server = DevServer(site, **{"port": 0, "now": NOW, "log": lambda line: None, "workers": 1, **options})
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def guarded(tmp_path_factory):
    """A served site, a secret beside it and one in its root, and symbolic links that lead out of
    the static folder and out of the served folder."""
    root = tmp_path_factory.mktemp("guarded")
    outside = root / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text(SECRET)
    site = write_site(root / "site", {**stories(2), "secret.txt": SECRET, "static/css/extra.css": "p{}"}, SITE_TOML)
    (site / "static/escape.txt").symlink_to(outside / "secret.txt")
    lines: list[str] = []
    with serving(site, log=lines.append) as server:
        (server.output / "leak.txt").symlink_to(outside / "secret.txt")       # planted in the served folder
        (server.output / "leakdir").symlink_to(outside, target_is_directory=True)
        (server.output / "linked").mkdir()
        (server.output / "linked/index.html").symlink_to(outside / "secret.txt")
        yield server, outside, lines


def assert_refused(reply: Reply, statuses=(404,)) -> None:
    assert reply.status in statuses, reply
    assert SECRET.encode() not in reply.body and b"root:" not in reply.body, reply


OUTSIDE = "{outside}"     # filled in with the outside folder's absolute path (no leading slash)
ESCAPES = [
    "/%2Fetc/passwd",
    "/%2Fproc/self/environ",
    "/%2F%2Fetc/hosts",
    "/%2F" + OUTSIDE + "/secret.txt",
    "/%2f" + OUTSIDE.replace("/", "%2f") + "%2fsecret.txt",
    "///%2F" + OUTSIDE + "/secret.txt",
    "/..%2F..%2Fsecret.txt",
    "/../../secret.txt",
    "/../../../outside/secret.txt",
    "/%2e%2e/%2e%2e/secret.txt",
    "/%2e%2e%2f%2e%2e%2fsecret.txt",
    "/%2E%2E%2F%2E%2E%2F..%2Foutside%2Fsecret.txt",
    "/%252e%252e/%252e%252e/secret.txt",
    "/%252F" + OUTSIDE + "/secret.txt",
    "/..%5c..%5csecret.txt",
    "/%5c..%5c..%5csecret.txt",
    "/%5C" + OUTSIDE.replace("/", "%5C") + "%5Csecret.txt",
    "/%c0%ae%c0%ae/%c0%ae%c0%ae/secret.txt",
    "/%c0%af" + OUTSIDE + "/secret.txt",
    "/index.html%00.txt",
    "/%00",
    "/world/%00/../../../secret.txt",
    "/./../../secret.txt",
    "/.broadsheet-output",
    "/.journal",
    "/.git/config",
    "/..%2Fcache",
    "/leak.txt",                       # a symbolic link in the served folder to a file outside it
    "/leakdir/secret.txt",             # ... to a folder outside it
    "/leakdir",
    "/linked/",                        # a folder whose index.html is a link to a file outside
    "/escape.txt",                     # a symbolic link in static/ that leads outside it
    "/%0d%0aSet-Cookie:%20x=1",
    "/world%0d%0aLocation:%20//evil.example/",
]


# decoded once, "%252e" is the name "%2e" (a file could be called "100%.png"): no such file, a
# plain miss; and the build never copies a link that leads out of static/
MISSES = {"/%252e%252e/%252e%252e/secret.txt", "/%252F" + OUTSIDE + "/secret.txt", "/escape.txt"}


@pytest.mark.parametrize("target", ESCAPES)
def test_no_path_leaves_the_served_folder(guarded, target, capfd):
    server, outside, lines = guarded
    before = len(lines)
    reply = request(server.port, target.replace(OUTSIDE, str(outside).lstrip("/")))
    assert_refused(reply)
    assert reply.headers.get("Location") is None
    head = request(server.port, target.replace(OUTSIDE, str(outside).lstrip("/")), "HEAD")
    assert_refused(head)
    assert head.body == b""
    assert "Traceback" not in capfd.readouterr().err
    refusals = [line for line in lines[before:] if "refused" in line]
    assert len(refusals) == (0 if target in MISSES else 2), lines[before:]


def test_the_absolute_form_request_line_is_checked_too(guarded, capfd):
    server, outside, lines = guarded
    origin = f"http://127.0.0.1:{server.port}"
    assert_refused(request(server.port, f"{origin}/%2Fetc/passwd"))
    assert_refused(request(server.port, f"{origin}/%2F{str(outside).lstrip('/')}/secret.txt"))
    assert_refused(request(server.port, f"{origin}//etc/passwd"))
    assert_refused(request(server.port, "http://evil.example/world/story-0/"), (403,))   # its host is refused
    assert request(server.port, f"{origin}/world/story-0/").status == 200
    assert_refused(request(server.port, "*"), (400,))
    assert_refused(request(server.port, "etc/passwd"), (400,))
    assert "Traceback" not in capfd.readouterr().err


def test_redirects_stay_on_the_origin(guarded):
    server, _, _ = guarded
    reply = request(server.port, "/world")
    assert reply.status in (301, 302, 307, 308) and reply.headers["Location"] == "/world/"
    for target in ("/%2Fetc", "/%2F%2Fevil.example", "//%2Fetc", "/%5Cetc", "/%2F/tmp"):
        reply = request(server.port, target)
        assert reply.status == 404 and reply.headers.get("Location") is None, (target, reply)


@pytest.mark.parametrize("base, encoded", [("news", "news"), ("my%20news", "my%20news"),
                                           ("新闻", "%E6%96%B0%E9%97%BB")])
def test_a_subfolder_site_redirects_to_its_base_path_only(tmp_path, base, encoded, capfd):
    site = write_site(tmp_path / "site", stories(1),
                      f'title = "Sub"\nbase_url = "https://sub.example/{base}/"\ntimezone = "UTC"\n')
    with serving(site) as server:
        for target in ("/", f"/{encoded}"):
            reply = request(server.port, target)
            assert reply.status == 302 and reply.headers["Location"] == f"/{encoded}/", (target, reply)
        assert server.url.endswith(f":{server.port}/{encoded}/")
        assert request(server.port, f"/{encoded}/world/story-0/").status == 200
        reply = request(server.port, f"/{encoded}/world")
        assert reply.status == 302 and reply.headers["Location"] == f"/{encoded}/world/"
        assert_refused(request(server.port, f"/{encoded}/%2Fetc/passwd"))
        assert_refused(request(server.port, f"/%2F{encoded}/"))
        # the reload script compares decodeURIComponent(location.pathname) with the pages named
        story = site / "content/world/story-0.md"
        story.write_text(story.read_text().replace("Body 0.", "Body 0, edited."))
        server.rebuild([Change(ChangeKind.ARTICLE, "content/world/story-0.md")])
        assert ("reload", [f"/{unquote(encoded)}/world/story-0/"]) in [e[1:] for e in server.events.wait(0, 0)]
    assert "Traceback" not in capfd.readouterr().err


@pytest.mark.parametrize("host", ["evil.example", "evil.example:{port}", "127.0.0.1:1", "localhost:1",
                                  "127.0.0.1.evil.example:{port}", "localhost.evil.example:{port}",
                                  "[::2]:{port}", "127.0.0.1:{port}@evil.example", "", "[::1", "::1:{port}"])
def test_a_foreign_host_header_is_refused(guarded, host, capfd):
    """DNS rebinding: a page on evil.example whose name now resolves to 127.0.0.1 sends its own name."""
    server, _, lines = guarded
    before = len(lines)
    for target in ("/world/story-0/", EVENTS_PATH):
        reply = request(server.port, target, host=host.format(port=server.port))
        assert reply.status in (400, 403), (host, reply)
        assert b"Story 0" not in reply.body
    assert any("refused" in line for line in lines[before:])
    assert "Traceback" not in capfd.readouterr().err


def test_a_request_without_a_host_is_refused(guarded):
    server, _, _ = guarded
    assert request(server.port, "/world/story-0/", host=None).status == 400


@pytest.mark.parametrize("host", ["127.0.0.1:{port}", "localhost:{port}", "LOCALHOST:{port}", "[::1]:{port}"])
def test_the_loopback_names_with_the_port_are_accepted(guarded, host):
    server, _, _ = guarded
    reply = request(server.port, "/world/story-0/", host=host.format(port=server.port))
    assert reply.status == 200
    assert text_of(lxml.html.fromstring(reply.body).find(".//h1")) == "Story 0"


def test_allow_host_accepts_a_name_given(tmp_path):
    site = write_site(tmp_path / "site", stories(1), SITE_TOML)
    with serving(site, allow_hosts=["Paper.test"]) as server:
        assert request(server.port, "/world/story-0/", host=f"paper.test:{server.port}").status == 200
        assert request(server.port, "/world/story-0/", host="paper.test").status == 200   # behind a proxy
        assert request(server.port, "/world/story-0/", host="other.test").status == 403


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "CONNECT", "FOO"])
def test_other_methods_are_refused_without_a_traceback(guarded, method, capfd):
    server, _, _ = guarded
    reply = request(server.port, "/world/story-0/", method, headers=("Content-Length: 4",) if method != "FOO" else ())
    assert reply.status in (405, 501), reply
    assert "Traceback" not in capfd.readouterr().err


def test_the_event_stream_takes_any_since_and_last_event_id(guarded, capfd):
    server, _, _ = guarded
    for target, headers in ((f"{EVENTS_PATH}?since=abc", ()), (f"{EVENTS_PATH}?since=1e400&since=x", ()),
                            (f"{EVENTS_PATH}?since=-5&token=%00", ()), (EVENTS_PATH, ("Last-Event-ID: zzz",))):
        with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
            headers_text = "".join(f"{h}\r\n" for h in headers)
            sock.sendall(f"GET {target} HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\n{headers_text}\r\n".encode())
            seen = b""
            while b"retry: 500" not in seen:
                chunk = sock.recv(4096)
                assert chunk, seen
                seen += chunk
            assert seen.startswith(b"HTTP/1.1 200")
    assert "Traceback" not in capfd.readouterr().err


def exchange(port: int, data: bytes, timeout: float = 10) -> bytes:
    """Send raw bytes, read until the server closes the connection."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(data)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    return answer


@pytest.mark.parametrize("data, status", [
    (b"GET /%2Fetc/passwd\r\n\r\n", None),                       # HTTP/0.9: no Host, no status line
    (b"GET /a b HTTP/1.1\r\nHost: {host}\r\n\r\n", b"400"),
    (b"GET /%2Fetc/passwd HTTP/2.0\r\nHost: {host}\r\n\r\n", b"505"),
    (b"GET /%2Fetc/passwd HTTP/1.1\r\nHost: {host}\r\nHost: evil.example\r\n\r\n", b"400"),
    (b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + bytes(40) + b"\r\n\r\n", b"400"),   # TLS to plain HTTP
    (b"GET /\xff\xfe/%2Fetc/passwd HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n", b"404"),
])
def test_odd_requests_get_a_refusal_without_a_traceback(guarded, data, status, capfd):
    server, _, _ = guarded
    answer = exchange(server.port, data.replace(b"{host}", f"127.0.0.1:{server.port}".encode()))
    assert b"root:" not in answer and SECRET.encode() not in answer
    if status is None:
        assert b"200" not in answer.split(b"\r\n", 1)[0]
    else:   # (http.server answers a request line it cannot read with an error page and no status line)
        assert answer.startswith(b"HTTP/1.1 " + status) or b"Error code: " + status in answer, answer[:80]
    assert "Traceback" not in capfd.readouterr().err


def test_a_pipelined_attack_after_a_good_request_is_refused(guarded):
    server, _, _ = guarded
    host = f"Host: 127.0.0.1:{server.port}\r\n".encode()
    answer = exchange(server.port, b"GET /world/story-0/ HTTP/1.1\r\n" + host + b"\r\n"
                      + b"GET /%2Fetc/passwd HTTP/1.1\r\n" + host + b"Connection: close\r\n\r\n")
    assert re.findall(rb"HTTP/1\.1 (\d{3}) ", answer) == [b"200", b"404"] and b"root:" not in answer


# ---- Every request gets an answer ----

@pytest.mark.parametrize("target, statuses", [
    ("/" + "a" * 256, (404, 414)),
    ("/world/" + "é" * 200 + "/", (404, 414)),
    ("/" + "/".join(["b" * 250] * 20), (404, 414)),     # a path longer than PATH_MAX
    ("/" + "a" * 70_000, (414,)),                        # past http.server's 64 KB request line
])
def test_long_names_get_an_answer_not_a_traceback(guarded, target, statuses, capfd):
    server, _, _ = guarded
    assert request(server.port, target.encode()).status in statuses
    assert "Traceback" not in capfd.readouterr().err


@pytest.mark.parametrize("headers", [
    tuple(f"X-Many-{n}: y" for n in range(150)),
    ("X-Huge: " + "h" * 70_000,),
])
def test_huge_headers_get_an_answer_not_a_traceback(guarded, headers, capfd):
    server, _, _ = guarded
    assert request(server.port, "/", headers=headers).status == 431
    assert "Traceback" not in capfd.readouterr().err


def test_two_hundred_simultaneous_connections_all_get_an_answer(guarded, capfd):
    server, _, _ = guarded
    count, bound = 200, 15.0
    statuses: list[int] = []
    start = threading.Barrier(count, timeout=bound)

    def one(n: int) -> None:
        start.wait()
        statuses.append(request(server.port, f"/world/story-{n % 2}/", timeout=bound).status)

    threads = [threading.Thread(target=one, args=(n,), daemon=True) for n in range(count)]
    deadline = time.monotonic() + bound
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()))
    assert len(statuses) == count and set(statuses) == {200}, f"{len(statuses)} of {count} answered"
    assert "Traceback" not in capfd.readouterr().err


# ---- A slow rebuild does not hold pages up ----

def test_pages_are_served_while_a_slow_rebuild_runs(tmp_path, monkeypatch):
    site = write_site(tmp_path / "site", {**stories(2), "static/css/extra.css": "p{}"}, SITE_TOML)
    release = threading.Event()
    original = generator.serve.build_site

    def slow_build(*args, **kwargs):
        release.wait(20)               # a story that takes Markdown a long time
        return original(*args, **kwargs)

    with serving(site) as server:
        monkeypatch.setattr(generator.serve, "build_site", slow_build)
        rebuild = threading.Thread(target=server.rebuild, args=([Change(ChangeKind.STATIC, "static/css/extra.css")],))
        rebuild.start()
        deadline = time.monotonic() + 5
        while server.wait_idle(0) and time.monotonic() < deadline:
            time.sleep(0.01)
        assert not server.wait_idle(0), "the rebuild did not start"
        for target in ("/world/story-0/", "/world/story-1/", "/css/extra.css", "/", "/no-such-page/"):
            started = time.monotonic()
            reply = request(server.port, target)
            assert time.monotonic() - started < 1.5, f"{target} waited for the rebuild"
            assert reply.status == (404 if "no-such" in target else 200)
        assert not server.wait_idle(0)
        release.set()
        rebuild.join(20)
        assert server.history[-1].ok


# ---- The rebuild thread survives anything ----

def test_the_rebuild_thread_survives_any_exception(tmp_path, monkeypatch, capfd):
    site = write_site(tmp_path / "site", stories(2), SITE_TOML)
    lines: list[str] = []

    def broken(*args, **kwargs):
        raise TypeError("'int' object is not subscriptable")

    def wait_for_rebuilds(count: int) -> None:
        deadline = time.monotonic() + 15
        while len(server.history) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(server.history) >= count, "no rebuild happened"

    with serving(site, log=lines.append) as server:
        story = site / "content/world/story-0.md"
        for name in ("build_site", "load_config"):
            with monkeypatch.context() as patch:
                patch.setattr(generator.serve, name, broken)
                before = len(server.history)
                story.write_text(story.read_text() + f"\nBroken by {name}.\n")
                wait_for_rebuilds(before + 1)
                time.sleep(0.3)
            assert not server.history[-1].ok or name == "load_config"
        reply = request(server.port, "/world/story-0/")
        assert any("TypeError" in line and "not subscriptable" in line for line in lines), lines
        before = len(server.history)
        story.write_text(story.read_text().replace("Story 0", "Story zero, after the crash"))
        wait_for_rebuilds(before + 1)
        reply = request(server.port, "/world/story-0/")
        assert reply.status == 200 and server.history[-1].ok
        assert text_of(lxml.html.fromstring(reply.body).find(".//h1")) == "Story zero, after the crash"
    assert "Traceback" not in capfd.readouterr().err


def test_a_broken_build_shows_the_error_page_with_the_exception(tmp_path, monkeypatch):
    site = write_site(tmp_path / "site", stories(1), SITE_TOML)
    with serving(site) as server:
        monkeypatch.setattr(generator.serve, "build_site",
                            lambda *a, **k: (_ for _ in ()).throw(TypeError("menu url must be a string")))
        record = server.rebuild([Change(ChangeKind.CONFIG, "site.toml")])
        assert not record.ok
        reply = request(server.port, "/world/story-0/")
        assert reply.status == 500
        assert "TypeError: menu url must be a string" in text_of(lxml.html.fromstring(reply.body).find(".//pre"))


def test_the_cli_serves_with_allow_host(tmp_path):
    site = write_site(tmp_path / "site", stories(1), SITE_TOML)
    process = subprocess.Popen([sys.executable, "-m", "generator", "serve", str(site), "--port", "0",
                                "--allow-host", "paper.test", "--allow-host", "desk.test"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = ""
        while not line.startswith("Serving"):
            line = process.stdout.readline()
            assert line, process.stderr.read()
        port = int(line.split(" at ")[1].split()[0].rsplit(":", 1)[1].strip("/"))
        assert request(port, "/world/story-0/", host="desk.test").status == 200
        assert request(port, "/world/story-0/", host="evil.test").status == 403
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=10) == 0
        assert "Traceback" not in process.stderr.read()
    finally:
        if process.poll() is None:
            process.kill()


def test_a_quick_rebuild_is_waited_for_so_a_reload_after_a_save_shows_it(tmp_path, monkeypatch):
    site = write_site(tmp_path / "site", stories(1), SITE_TOML)
    original = generator.serve.build_site

    def quick_build(*args, **kwargs):
        time.sleep(0.1)
        return original(*args, **kwargs)

    with serving(site) as server:
        monkeypatch.setattr(generator.serve, "build_site", quick_build)
        story = site / "content/world/story-0.md"
        story.write_text(story.read_text().replace("Story 0", "Story zero, saved"))
        rebuild = threading.Thread(target=server.rebuild, args=([Change(ChangeKind.CONFIG, "site.toml")],))
        rebuild.start()
        while server.wait_idle(0) and rebuild.is_alive():
            time.sleep(0.001)
        reply = request(server.port, "/world/story-0/")
        rebuild.join(20)
        assert text_of(lxml.html.fromstring(reply.body).find(".//h1")) == "Story zero, saved"


def test_a_page_asked_for_while_the_served_folder_is_swapped_is_served(tmp_path):
    """DiskSink swaps a new folder in with two renames; a request between them waits for it."""
    site = write_site(tmp_path / "site", stories(1), SITE_TOML)
    with serving(site) as server:
        aside = server.output.with_name("serve-aside")
        server._idle.clear()                    # as during a rebuild
        server.output.rename(aside)
        threading.Timer(0.1, aside.rename, (server.output,)).start()
        reply = request(server.port, "/world/story-0/")
        server._idle.set()
        assert reply.status == 200 and text_of(lxml.html.fromstring(reply.body).find(".//h1")) == "Story 0"


def test_an_ipv6_loopback_server_answers_its_own_name_only(tmp_path):
    try:
        with socket.socket(socket.AF_INET6) as probe:
            probe.bind(("::1", 0))
    except OSError as exc:
        pytest.skip(f"no IPv6 loopback here: {exc}")
    site = write_site(tmp_path / "site", stories(1), SITE_TOML)
    with serving(site, host="::1") as server:
        for host, status in ((f"[::1]:{server.port}", 200), (f"localhost:{server.port}", 200),
                             (f"evil.example:{server.port}", 403)):
            connection = http.client.HTTPConnection("::1", server.port, timeout=10)
            connection.putrequest("GET", "/world/story-0/", skip_host=True)
            connection.putheader("Host", host)
            connection.endheaders()
            assert connection.getresponse().status == status, host
            connection.close()


@pytest.mark.parametrize("value, listen, allowed", [
    ("192.168.1.20:8000", "0.0.0.0", True),        # any address of this machine, on a wildcard listen
    ("[fe80::1]:8000", "::", True),
    ("evil.example:8000", "0.0.0.0", False),       # a name: DNS rebinding
    ("192.168.1.20:8000", "127.0.0.1", False),
    ("192.168.1.20:8000", "192.168.1.20", True),
    ("192.168.1.20", "192.168.1.20", False),       # port 80 is not ours
])
def test_which_hosts_a_server_accepts(value, listen, allowed):
    from generator.serve_guard import host_allowed
    assert host_allowed(value, listen, 8000) is allowed


def test_head_on_the_event_stream_answers_and_ends(guarded):
    server, _, _ = guarded
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
        sock.sendall(f"HEAD {EVENTS_PATH} HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\n\r\n".encode())
        answer = b""
        while chunk := sock.recv(4096):       # the server closes the connection: no stream follows
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200") and b"text/event-stream" in head and body == b""


def test_a_closed_terminal_stops_no_thread(tmp_path, monkeypatch, capfd):
    """`broadsheet serve | head`: once head exits, every log line meets a closed pipe."""
    site = write_site(tmp_path / "site", stories(1), SITE_TOML)

    def closed_pipe(*args, **kwargs):
        raise BrokenPipeError(32, "Broken pipe")

    with serving(site, log=None) as server:
        monkeypatch.setattr("builtins.print", closed_pipe)
        assert_refused(request(server.port, "/%2Fetc/passwd"))        # a refusal is logged
        story = site / "content/world/story-0.md"
        story.write_text(story.read_text().replace("Story 0", "Story zero"))
        deadline = time.monotonic() + 10
        while len(server.history) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        story.write_text(story.read_text().replace("Story zero", "Story zero, again"))
        while len(server.history) < 3 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(server.history) == 3 and server.history[-1].ok, "the rebuild thread stopped"
        monkeypatch.undo()
    assert "Traceback" not in capfd.readouterr().err
