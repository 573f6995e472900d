"""File changes -> `Preview.changed`: which saves touch which entries.

In: the Preview and its Config. Out: a running watchdog Observer on
issues/ (or the paths given), templates/ (also one made while serving) and
the folder of newsletter.toml. A burst of events is gathered for 0.2 s,
then handed over in one call: an issue file rebuilds itself (and the
digest), a template or the config rebuilds everything that was on show.
"""
from __future__ import annotations

import threading
from pathlib import Path

from .state import Preview

# newsletter.toml, and Jekyll's _config.yml which supplies defaults.
CONFIG_SUFFIXES = (".toml", ".yml", ".yaml")
DEBOUNCE = 0.2


def watch(preview: Preview):
    """Start watching; the Observer's `pending` holds the debounce timer, for `stop`."""
    from watchdog.events import FileSystemEventHandler
    from watchdog.observers import Observer

    config = preview.config
    timer: list[threading.Timer] = []
    pending: dict[str, set | bool] = {"paths": set(), "everything": False}
    guard = threading.Lock()
    output = config.output_path.resolve()
    root = config.root.resolve()
    templates = config.templates_path.resolve()
    content = {f.resolve() for f in (config.issues_path, config.templates_path,
                                     *(p if p.is_dir() else p.parent for p in preview.paths))}

    def flush() -> None:
        with guard:
            paths, everything = pending["paths"], pending["everything"]
            pending["paths"], pending["everything"] = set(), False
        preview.changed(paths, everything)

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
            everything = path.is_relative_to(templates) or (
                path.parent == root and path.suffix in CONFIG_SUFFIXES)
            with guard:
                pending["paths"].add(path)
                pending["everything"] = pending["everything"] or everything
                src = Path(str(event.src_path)).resolve()
                if src != path:
                    pending["paths"].add(src)   # a rename: the old name is gone
            # Editors save in bursts; rebuild once the burst is over.
            for t in timer:
                t.cancel()
            timer[:] = [threading.Timer(DEBOUNCE, flush)]
            timer[0].daemon = True
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
