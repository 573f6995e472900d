"""Inputs of a build -> content hashes; the output folder's manifest of them.

In: the Config, the build's options and an issue file. Out: a key (SHA-256)
that changes whenever anything the issue's outputs depend on changes (the
issue file's bytes, every template file the theme can load, the config,
which holds the platform, the options and the package version), and the
manifest `<output>/.newsletter-manifest.json` mapping each issue's stem to
the key its outputs were built from, with what the archive's index needs.

The manifest only ever claims what is on disk: build_all drops an issue's
entry (and saves) before it rewrites that issue's folders, and adds the new
entry after they are written. It is written to a temporary file, fsynced
and renamed over the old one, so a kill leaves the old manifest or the new.
"""
from __future__ import annotations

import dataclasses
import glob
import hashlib
import json
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from . import __version__, disk
from .config import Config
from .render.html import default_templates

MANIFEST_NAME = ".newsletter-manifest.json"
# Bump when what an entry means changes, so old manifests are not trusted.
FORMAT = 1


@dataclass
class Entry:
    """One issue as last built: its key, whether it built, and its facts."""
    key: str
    source: str                     # the issue file, as displayed
    ok: bool = True
    title: str = ""
    date: str = ""                  # ISO date or date-time, for sorting and the feed
    preheader: str = ""
    published: bool = True
    ics: str = ""                   # the .ics path inside the archive, "" for none
    problems: list[dict] = field(default_factory=list)   # errors of a failed build


FIELDS = tuple(f.name for f in dataclasses.fields(Entry))


def _template_files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.rglob("*") if p.is_file())


def build_key(config: Config, **options) -> str:
    """What every issue's outputs share: version, config, options, theme."""
    digest = hashlib.sha256()
    settings = dataclasses.asdict(config)
    digest.update(json.dumps({"format": FORMAT, "version": __version__, "config": settings,
                              "options": options}, sort_keys=True, default=str).encode())
    # Every file of both theme folders, not only those the theme includes
    # today: an `{% include %}` can name any of them, and the user's copy of
    # a file overrides the default one.
    for folder in (config.templates_path, default_templates()):
        for path in _template_files(folder):
            digest.update(str(path.relative_to(folder)).encode() + b"\0")
            digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def issue_key(base: str, path: Path) -> str:
    """The key of one issue file: the build's key and the file's bytes."""
    try:
        data = path.read_bytes()
    except OSError:
        data = b"\0unreadable"   # rebuilt, and reported, every time
    return hashlib.sha256(base.encode() + b"\0" + data).hexdigest()


def load(folder: Path) -> dict[str, Entry]:
    """The manifest in the output folder; empty when absent, unreadable or old."""
    try:
        data = json.loads((folder / MANIFEST_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        return {}
    entries = {}
    for stem, value in (data.get("issues") or {}).items():
        if isinstance(value, dict) and set(FIELDS) >= set(value) \
                and isinstance(value.get("key"), str):
            try:
                entries[stem] = Entry(**value)
            except TypeError:
                continue   # a hand-edited entry: build that issue again
    return entries


def save(folder: Path, entries: dict[str, Entry]) -> None:
    """Replace the manifest in one rename; a kill leaves the old or the new one."""
    folder.mkdir(parents=True, exist_ok=True)
    # Not dataclasses.asdict: it deep-copies every problem dict only for them
    # to be written out, ~11 ms of a 900-issue manifest saved every second.
    data = {"format": FORMAT, "version": __version__,
            "issues": {stem: {name: getattr(entries[stem], name) for name in FIELDS}
                       for stem in sorted(entries)}}
    write_file_atomically(folder / MANIFEST_NAME,
                          json.dumps(data, indent=1, ensure_ascii=False).encode())


def write_file_atomically(path: Path, data: bytes) -> None:
    """One file, replaced by a rename after its bytes are on disk. A temporary
    file that a killed write of the same file left behind is removed first.

    Under the folder's lock (disk.locked): two batches at once write the same
    manifest, feed.xml and .ics files, and one's clean-up would otherwise take
    the other's live temporary file for a killed write's and remove it.
    """
    with disk.locked(path.parent):
        for leftover in path.parent.glob(f".{glob.escape(path.name)}.tmp-*"):
            leftover.unlink(missing_ok=True)
        temp = path.parent / f".{path.name}.tmp-{secrets.token_hex(8)}"
        try:
            with open(temp, "xb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(temp, path)
        finally:
            if os.path.lexists(temp):
                os.unlink(temp)


def plan(files: list[Path], config: Config, entries: dict[str, Entry], force: bool = False,
         **options) -> tuple[list[tuple[Path, str]], dict[str, Entry]]:
    """(issues to build, with their keys; entries still true of what is on disk).

    An issue is built when forced, when it has no entry or another key, or
    when its email folder or web version is gone. An entry whose issue file
    is gone is dropped (its folders are left alone).
    """
    base = build_key(config, **options)
    stale, fresh = [], {}
    for path in files:
        key = issue_key(base, path)
        entry = entries.get(path.stem)
        if not force and entry is not None and entry.key == key and (not entry.ok or (
                (config.output_path / path.stem).is_dir()
                and (not entry.published or (config.archive_path / path.stem).is_dir()))):
            fresh[path.stem] = entry
        else:
            stale.append((path, key))
    return stale, fresh


def forget(folder: Path, stems: list[str]) -> None:
    """Drop the entries of issues whose folders are about to be rewritten."""
    entries = load(folder)
    if any(stem in entries for stem in stems):
        save(folder, {stem: e for stem, e in entries.items() if stem not in stems})
