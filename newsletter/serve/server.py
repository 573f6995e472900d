"""HTTP requests -> the preview's pages and each entry's built files.

In: a `Preview`. Out: a threaded HTTP server on 127.0.0.1 that answers
`/` (the list), `/<entry>/` (its page), `/<entry>/email.html|email.txt`
(exactly the files the service gets), `/<entry>/filled.html|filled.txt` (as a
reader with no data sees them; `?dark=1` for dark mode) and
`/__version[/<entry>]` (what the pages poll). Nothing else is served, so no
path can reach outside the build; and only to a request named for a loopback
host or the --host it listens on (HTTP 421 otherwise). Pages are Jinja
templates with autoescape.
"""
from __future__ import annotations

import json
import socket
import sys
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, quote, unquote, urlsplit

import jinja2

from ..render.message import sender
from ..source.issue import display_path
from .state import Entry, Preview

TEMPLATES = jinja2.Environment(
    loader=jinja2.FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=True, undefined=jinja2.StrictUndefined)

EMAIL_FILES = {"email.html": ("email", "text/html"), "filled.html": ("filled", "text/html"),
               "email.txt": ("email", "text/plain"), "filled.txt": ("filled", "text/plain")}
# An email is a document from the outside world: never let it run or reach
# the preview's origin, even when opened on its own rather than in the
# sandboxed iframe.
EMAIL_HEADERS = {"Content-Security-Policy": "sandbox", "X-Content-Type-Options": "nosniff"}
GONE = (BrokenPipeError, ConnectionResetError, ConnectionAbortedError, TimeoutError)


def href(key: str) -> str:
    """An entry's URL path: any file name, percent-encoded (Location is ASCII only)."""
    return "/" + quote(key, safe="") + "/"


def index_page(preview: Preview) -> str:
    entries = preview.listing()
    return TEMPLATES.get_template("index.html").render(
        entries=entries, href=href, version=preview.version,
        problems=preview.config_problems)


def entry_page(preview: Preview, entry: Entry) -> str:
    config = preview.config
    shown = entry.shown
    return TEMPLATES.get_template("entry.html").render(
        entry=entry, shown=shown, href=href(entry.key), key=entry.key,
        problems=preview.config_problems + entry.problems,
        sender=str(sender(config)), platform=config.platform,
        folder=display_path(shown.folder) if shown else "",
        budget=config.size_budget_kb, kb=shown.email.size / 1024 if shown else 0)


def host_names(host: str, port: int) -> frozenset[str]:
    """The Host headers the preview answers: loopback names and the --host it
    was started with, each with and without its port."""
    names = {"127.0.0.1", "localhost", "[::1]", f"[{host}]" if ":" in host else host}
    return frozenset(n.lower() for name in names for n in (name, f"{name}:{port}"))


class Server(ThreadingHTTPServer):
    daemon_threads = True
    # socketserver's default backlog of 5 turned away 50 clients at once.
    request_queue_size = 128

    def __init__(self, address, handler):
        super().__init__(address, handler)
        self.hosts = host_names(address[0], self.server_address[1])

    def handle_error(self, request, client_address):
        # A reader who closed the tab, or a connection that timed out, is not a fault.
        if isinstance(sys.exc_info()[1], GONE + (socket.timeout,)):
            return
        super().handle_error(request, client_address)


def make_handler(preview: Preview):
    class Handler(BaseHTTPRequestHandler):
        # Per connection: a client that opens a socket and says nothing gives
        # its thread back after this many seconds.
        timeout = 10

        def log_message(self, format, *args):   # keep the terminal for build messages
            pass

        def send(self, status, body: bytes | str, ctype: str, headers: dict | None = None):
            body = body.encode() if isinstance(body, str) else body
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        def redirect(self, location: str):
            self.send_response(HTTPStatus.FOUND)
            self.send_header("Location", location)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def not_found(self):
            self.send(HTTPStatus.NOT_FOUND, "not found", "text/plain; charset=utf-8")

        def foreign(self, url) -> bool:
            """A request named for another host: a page elsewhere whose name was
            rebound to 127.0.0.1 (DNS rebinding) must not read the preview.
            No Host at all (HTTP/1.0) is a local tool, not a browser."""
            hosts = self.headers.get_all("Host") or []
            named = hosts + ([url.netloc] if url.netloc else [])
            return len(hosts) > 1 or any(h.lower() not in self.server.hosts for h in named)

        def do_GET(self):
            url = urlsplit(self.path)
            if self.foreign(url):
                return self.send(HTTPStatus.MISDIRECTED_REQUEST,
                                 "this preview answers only to 127.0.0.1, localhost or its "
                                 "--host\n", "text/plain; charset=utf-8")
            parts = [unquote(p) for p in url.path.split("/") if p]
            if parts[:1] == ["__version"] and len(parts) <= 2:
                entry = preview.get(parts[1], build=False) if len(parts) == 2 else None
                if len(parts) == 2 and entry is None:
                    return self.not_found()
                version = entry.version if entry else preview.version
                return self.send(HTTPStatus.OK, json.dumps(version), "application/json")
            if not parts:
                keys = list(preview.entries)
                if len(keys) == 1:   # one issue: show it, don't ask to choose
                    return self.redirect(href(keys[0]))
                return self.send(HTTPStatus.OK, index_page(preview), "text/html; charset=utf-8")
            entry = preview.get(parts[0]) if len(parts) <= 2 else None
            if entry is None:
                return self.not_found()
            if len(parts) == 1:
                if not url.path.endswith("/"):
                    return self.redirect(href(entry.key))
                return self.send(HTTPStatus.OK, entry_page(preview, entry),
                                 "text/html; charset=utf-8")
            if parts[1] not in EMAIL_FILES or entry.shown is None:
                return self.not_found()
            which, ctype = EMAIL_FILES[parts[1]]
            if ctype == "text/html":
                dark = parse_qs(url.query).get("dark") == ["1"]
                body = entry.shown.html(which, dark)
            else:
                body = (entry.shown.filled if which == "filled" else entry.shown.email).text
            return self.send(HTTPStatus.OK, body, f"{ctype}; charset=utf-8", EMAIL_HEADERS)

        do_HEAD = do_GET
    return Handler
