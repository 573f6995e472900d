"""`newsletter serve`: a local preview that never gets stuck.

In: the Config, the paths to preview (default issues/) and optionally a
digest's options. Out: a threaded HTTP server on 127.0.0.1 (`make_server`,
`serve`, `stop`) listing every issue (and the digest) at once, building each
when it is first looked at and again when a save touches it. `state.py` keeps
the entries and their last good builds, `server.py` answers requests with
the Jinja pages in templates/, `watch.py` turns saves into rebuilds and
`dark.py` makes the dark-mode view.
"""
from __future__ import annotations

import threading
from pathlib import Path

from ..config import Config
from ..errors import NewsletterError
from ..source.issue import display_path
from .server import Server, make_handler
from .state import DigestOptions, Preview
from .watch import watch

__all__ = ["DigestOptions", "make_server", "serve", "stop"]


def make_server(config: Config, paths: list[Path], host: str = "127.0.0.1", port: int = 8000,
                reload=None, echo=None, digest: DigestOptions | None = None) -> Server:
    preview = Preview(config, paths, reload, echo, digest)   # lists names only: fast
    try:
        server = Server((host, port), make_handler(preview))
    except OSError as exc:
        raise NewsletterError(f"cannot listen on {host}:{port}: {exc.strerror}; try --port") from None
    server.preview = preview
    server.observer = watch(preview)
    # Titles come from front matter, 900 files in about 2 s: the list fills in
    # while the server already answers.
    threading.Thread(target=preview.read_titles, daemon=True).start()
    return server


def serve(config: Config, paths: list[Path], host: str = "127.0.0.1", port: int = 8000,
          reload=None, echo=print, digest: DigestOptions | None = None) -> None:
    server = make_server(config, paths, host, port, reload, echo, digest)
    try:   # from here on, Ctrl-C is a clean stop
        what = ", ".join(map(display_path, paths)) or display_path(config.issues_path)
        echo(f"Previewing {what} ({len(server.preview.entries)} to preview) at "
             f"http://{host}:{server.server_address[1]}/ (Ctrl-C stops)")
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        stop(server)


def stop(server: Server) -> None:
    # watchdog 7.1 logs an error when its reader thread wakes after stop()
    # closed the inotify handle (a harmless race in its own shutdown); with
    # no logging set up, Python prints it on Ctrl-C as if something failed.
    import logging
    logging.getLogger("watchdog.observers.inotify").addFilter(_stopping)
    server.observer.stop()
    for timer in server.observer.pending:
        timer.cancel()
    server.observer.join(5)
    server.server_close()


def _stopping(record) -> bool:
    return "called when the thread is inactive" not in record.getMessage()
