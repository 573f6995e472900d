"""Email -> files in its output folder, written so that a failure loses nothing.

In: a finished Email and the folder it goes to. Out: email.html, email.txt,
email.mjml and any attachments in that folder, all or none.
"""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

from .errors import IssueError
from .render.email import Email
from .source.issue import display_path

_UMASK = os.umask(0)
os.umask(_UMASK)


def write_atomically(folder: Path, files: dict[str, str | bytes]) -> None:
    """Write every file to a temporary name first, then rename them all."""
    folder.mkdir(parents=True, exist_ok=True)
    staged: list[tuple[str, Path]] = []
    try:
        for name, data in files.items():
            fd, tmp = tempfile.mkstemp(prefix=f".{name}.", dir=folder)
            staged.append((tmp, folder / name))   # before writing, so a failed write is cleaned up
            with os.fdopen(fd, "wb") as fh:
                fh.write(data.encode() if isinstance(data, str) else data)
            os.chmod(tmp, 0o666 & ~_UMASK)   # mkstemp makes 0600; outputs are ordinary files
        for tmp, final in staged:
            os.replace(tmp, final)
    finally:
        for tmp, _ in staged:
            if os.path.exists(tmp):
                os.unlink(tmp)


def write_email(email: Email, folder: Path) -> None:
    """email.html, email.txt, email.mjml and any attachments, all or none."""
    files = {"email.html": email.html, "email.txt": email.text, "email.mjml": email.mjml,
             **email.attachments}
    try:
        write_atomically(folder, files)
    except OSError as exc:
        raise IssueError(display_path(folder), None,
                         f"cannot write the output: {exc.strerror or exc}") from None
