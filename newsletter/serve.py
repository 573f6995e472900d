"""`newsletter serve`: a local preview that rebuilds when you save.

It binds to 127.0.0.1 by default: the preview is for the writer, not the
network. watchdog notices changes to issues, templates and the config; the
preview page polls a version number and reloads itself after each rebuild.
"""
from __future__ import annotations

import html
import json
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

from .build import build
from .config import Config
from .errors import NewsletterError, Problems
from .source.issue import display_path

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title} - preview</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 0; background: #e5e7eb; color: #111827; }}
header {{ padding: 10px 16px; background: #111827; color: #f9fafb; }}
header a {{ color: #93c5fd; margin-right: 12px; }}
main {{ display: flex; gap: 24px; padding: 16px; align-items: flex-start; flex-wrap: wrap; }}
figure {{ margin: 0; }} figcaption {{ font-size: 13px; margin-bottom: 4px; }}
iframe {{ border: 1px solid #9ca3af; background: #fff; height: 85vh; }}
pre {{ background: #fff; padding: 16px; max-width: 80ch; white-space: pre-wrap; }}
.problems {{ background: #fef3c7; padding: 8px 16px; white-space: pre-wrap; font-family: monospace; }}
</style></head>
<body><header>{nav}</header>{problems}<main>{body}</main>
<script>
// Reload when the server has rebuilt.
let seen = {version};
setInterval(async () => {{
  try {{ const r = await fetch("/__version"); const v = await r.json();
         if (v !== seen) location.reload(); }} catch (e) {{}}
}}, 500);
</script></body></html>
"""


class Preview:
    """Builds, remembers the latest result, and counts rebuilds."""

    def __init__(self, config: Config, paths: list[Path], reload=None, echo=None):
        self.config = config
        self.paths = paths
        self.reload = reload        # re-reads newsletter.toml, keeping CLI overrides
        self.echo = echo
        self.version = 0
        self.emails: dict[str, Path] = {}
        self.problems: Problems = Problems()
        self.lock = threading.Lock()

    def rebuild(self) -> None:
        problems = Problems()
        try:
            config = self.reload(problems) if self.reload else self.config
            result = build(self.paths or [config.issues_path], config, problems)
            emails = {folder.name: folder for _, folder in result.built}
            if self.echo:
                self.echo(f"rebuilt: {len(result.built)} built, {len(result.failed)} failed, "
                          f"{len(problems)} problem(s)")
        except NewsletterError as exc:
            problems.error("build", None, "input", exc.format_message())
            emails = {}
        with self.lock:
            if emails or not self.emails:
                self.emails = emails
            self.problems = problems
            self.version += 1

    def page(self, name: str | None) -> str:
        with self.lock:
            names = sorted(self.emails)
            problems = list(self.problems)
            version = self.version
        nav = "".join(f'<a href="/{html.escape(n)}/">{html.escape(n)}</a>' for n in names) \
            or "no issue built yet"
        shown = "".join(html.escape(str(p)) + "\n" for p in problems)
        problems_html = f'<div class="problems">{shown}</div>' if shown else ""
        if name is None:
            body = "<p>Choose an issue above.</p>" if names else "<p>Nothing built yet.</p>"
        else:
            src = f"/{html.escape(name)}/email.html"
            body = "".join(
                f'<figure><figcaption>{label} ({w} px)</figcaption>'
                f'<iframe src="{src}" width="{w}" title="{label} preview"></iframe></figure>'
                for label, w in (("Phone", 375), ("Desktop", 640)))
            body += f'<figure><figcaption><a href="/{html.escape(name)}/email.txt">Plain text</a></figcaption></figure>'
        return PAGE.format(title=html.escape(name or "newsletter"), nav=nav,
                           problems=problems_html, body=body, version=json.dumps(version))


def make_handler(preview: Preview):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format, *args):   # keep the terminal for build messages
            pass

        def send(self, status, body: bytes, ctype: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        def do_GET(self):
            parts = [unquote(p) for p in urlsplit(self.path).path.split("/") if p]
            if parts == ["__version"]:
                return self.send(HTTPStatus.OK, json.dumps(preview.version).encode(), "application/json")
            if not parts:
                if len(preview.emails) == 1:   # one issue: show it, don't ask to choose
                    self.send_response(HTTPStatus.FOUND)
                    self.send_header("Location", f"/{next(iter(preview.emails))}/")
                    self.send_header("Content-Length", "0")
                    return self.end_headers()
                return self.send(HTTPStatus.OK, preview.page(None).encode(), "text/html; charset=utf-8")
            folder = preview.emails.get(parts[0])
            if folder is None:
                return self.send(HTTPStatus.NOT_FOUND, b"not found", "text/plain")
            if len(parts) == 1:
                return self.send(HTTPStatus.OK, preview.page(parts[0]).encode(), "text/html; charset=utf-8")
            # Only the files a build writes, so no path can reach outside.
            files = {"email.html": "text/html; charset=utf-8",
                     "email.txt": "text/plain; charset=utf-8"}
            if len(parts) == 2 and parts[1] in files and (folder / parts[1]).is_file():
                return self.send(HTTPStatus.OK, (folder / parts[1]).read_bytes(), files[parts[1]])
            return self.send(HTTPStatus.NOT_FOUND, b"not found", "text/plain")

        do_HEAD = do_GET
    return Handler


# newsletter.toml, and Jekyll's _config.yml which supplies defaults.
CONFIG_SUFFIXES = (".toml", ".yml", ".yaml")


def watch(preview: Preview, config: Config):
    """Rebuild on every change under issues/, templates/ and the config file."""
    from watchdog.events import FileSystemEventHandler
    from watchdog.observers import Observer

    timer: list[threading.Timer] = []
    output = config.output_path.resolve()
    root = config.root.resolve()
    content = {f.resolve() for f in (config.issues_path, config.templates_path,
                                     *(p if p.is_dir() else p.parent for p in preview.paths))}

    class OnChange(FileSystemEventHandler):
        def on_any_event(self, event):
            # Editors that save by renaming a temporary file (.goutputstream-X,
            # .x.tmp) report the real name as the destination.
            path = Path(str(getattr(event, "dest_path", "") or event.src_path)).resolve()
            if event.is_directory and path in content and path not in watched and path.is_dir():
                schedule(path)   # templates/ made while serving, to copy a theme file into
            elif event.is_directory or event.event_type in ("opened", "closed_no_write") \
                    or path.is_relative_to(output) or path.name.startswith(".") \
                    or path.name.endswith("~"):
                return   # our own outputs, and editors' swap and backup files
            elif path.parent == root and root not in content and path.suffix not in CONFIG_SUFFIXES:
                return   # e.g. a log file beside newsletter.toml: rebuilding would loop
            # Editors save in bursts; rebuild once the burst is over.
            for t in timer:
                t.cancel()
            timer[:] = [threading.Timer(0.2, preview.rebuild)]
            timer[0].start()

    observer = Observer()
    observer.pending = timer
    handler = OnChange()
    watched: set[Path] = set()

    def schedule(folder: Path) -> None:
        watched.add(folder)
        observer.schedule(handler, str(folder), recursive=folder != root)

    for folder in content | {root}:
        if folder.is_dir():
            schedule(folder)
    observer.daemon = True
    observer.start()
    return observer


def make_server(config: Config, paths: list[Path], host: str = "127.0.0.1", port: int = 8000,
                reload=None, echo=None):
    preview = Preview(config, paths, reload, echo)
    try:
        server = ThreadingHTTPServer((host, port), make_handler(preview))
    except OSError as exc:
        raise NewsletterError(f"cannot listen on {host}:{port}: {exc.strerror}; try --port") from None
    preview.rebuild()   # after binding: a busy port should not build first
    server.daemon_threads = True
    server.preview = preview
    server.observer = watch(preview, config)
    return server


def serve(config: Config, paths: list[Path], host: str = "127.0.0.1", port: int = 8000,
          reload=None, echo=print) -> None:
    server = make_server(config, paths, host, port, reload, echo)
    try:   # from here on, Ctrl-C is a clean stop
        echo(f"Previewing {', '.join(map(display_path, paths)) or display_path(config.issues_path)} "
             f"at http://{host}:{server.server_address[1]}/ (Ctrl-C stops)")
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        stop(server)


def stop(server) -> None:
    server.observer.stop()
    for timer in server.observer.pending:
        timer.cancel()
    server.observer.join(5)
    server.server_close()
