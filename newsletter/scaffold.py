"""`newsletter new`: a dated issue file with every supported key, commented."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

from .config import Config
from .errors import NewsletterError
from .render.html import template_env
from .source.issue import display_path, slugify


def new_issue(title: str, config: Config, today: dt.date | None = None) -> Path:
    title = " ".join(title.split())
    if not title:
        raise NewsletterError("give the issue a title, e.g. newsletter new \"July actions\"")
    today = today or dt.datetime.now(config.tz).date()
    path = config.issues_path / f"{today.isoformat()}-{slugify(title)}.md"
    if path.exists():
        raise NewsletterError(f"{display_path(path)} already exists; not overwriting it")
    offset = dt.datetime.combine(today, dt.time(12), tzinfo=config.tz).strftime("%z")
    # YAML needs quotes around titles with a colon, a quote or a leading symbol.
    quoted = '"' + title.replace("\\", "\\\\").replace('"', '\\"') + '"'
    text = template_env(config).get_template("issue.md").render(
        title=quoted, date=today.isoformat(), offset=f"{offset[:3]}:{offset[3:]}")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "x", encoding="utf-8") as fh:
            fh.write(text)
    except FileExistsError:
        if path.parent.is_dir():   # written by someone else since the check above
            raise NewsletterError(f"{display_path(path)} already exists; not overwriting it") from None
        raise NewsletterError(f"{display_path(path.parent)} is a file, not a folder; "
                              "move it or set issues_dir in newsletter.toml") from None
    except OSError as exc:
        raise NewsletterError(f"cannot write {display_path(path)}: {exc.strerror or exc}") from None
    return path
