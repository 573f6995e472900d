"""Issue files -> Issue: front matter with line numbers, dates, the raw body.

An issue file is Markdown with YAML front matter, the way Jekyll keeps
`_posts/`. Everything here is about reading one file faithfully and saying
exactly where it is wrong.
"""
from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ..errors import IssueError, NewsletterError, display_path
from .yaml_errors import plain_yaml_error
from .yaml_load import LenientDates, TooBig, check_aliases, fast_load, lines_of

SUFFIXES = (".md", ".markdown")
# Invisible characters that editors and web forms leave behind; they break
# YAML keys and URLs without anyone being able to see why.
# Zero-width space, word joiner, BOM: invisible debris of copy and paste. Not
# ZWJ or ZWNJ, which emoji sequences and scripts such as Persian need.
INVISIBLE = dict.fromkeys(map(ord, "\u200b\u2060\ufeff"), None)
CONFLICT = re.compile(r"^(<{7}|={7}|>{7})(\s|$)")
# C0 controls but tab and line breaks, DEL, the C1 controls, and lone
# surrogates (which only a YAML escape like "\ud800" can make). MJML's XML
# parser refuses them: one in a title failed the build with no file or line.
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
# Front matter shown on one line, where a tab is a space.
ONE_LINE = ("title", "subject", "preheader", "description", "location")
# An issue is a page of text; far bigger input could only be a mistake, and
# would take minutes to build into an email that is clipped at 102 KB anyway.
MAX_BYTES = 1024 * 1024
DATE_PREFIX = re.compile(r"^(\d{4})-(\d{2})-(\d{2})")
_DATETIME = re.compile(
    r"^(\d{4}-\d{1,2}-\d{1,2})(?:[ T]+(\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)\s*(Z|[+-]\d{2}:?\d{2})?)?$")


@dataclass
class Issue:
    path: Path
    title: str
    date: dt.date | dt.datetime
    meta: dict[str, Any]
    lines: dict[str, int]          # front matter key -> line in the file
    body: str
    body_line: int                 # line of the file where `body` starts
    subject: str = ""
    preheader: str | None = None
    published: bool = True
    duplicates: dict[str, list[int]] = field(default_factory=dict)   # key -> lines, if set twice
    # Warnings found while reading, as (line, check id, message); checks report them.
    read_warnings: list[tuple[int, str, str]] = field(default_factory=list)

    @property
    def display(self) -> str:
        return display_path(self.path)

    @property
    def stem(self) -> str:
        return self.path.stem

    @property
    def day(self) -> dt.date:
        return self.date.date() if isinstance(self.date, dt.datetime) else self.date

    def line_of(self, key: str) -> int:
        return self.lines.get(key, 1)


def parse_date(value: Any) -> dt.date | dt.datetime | None:
    """Jekyll's date forms: `2019-07-14`, `2019-07-14 22:46:00 -04:00`, `... Z`."""
    if isinstance(value, dt.datetime | dt.date):
        return value
    if not isinstance(value, str):
        return None
    match = _DATETIME.match(value.strip())
    if not match:
        return None
    day, time, zone = match.groups()
    try:
        date = dt.date(*map(int, day.split("-")))
        if time is None:
            return date
        parts = [int(float(p)) for p in time.split(":")] + [0]
        moment = dt.datetime.combine(date, dt.time(parts[0], parts[1], parts[2]))
    except ValueError:
        return None
    if zone:
        if zone == "Z":
            return moment.replace(tzinfo=dt.timezone.utc)
        sign = -1 if zone[0] == "-" else 1
        digits = zone[1:].replace(":", "")
        offset = dt.timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
        return moment.replace(tzinfo=dt.timezone(sign * offset))
    return moment


def as_moment(value: dt.date | dt.datetime, tz: dt.tzinfo) -> dt.datetime:
    """An aware datetime to compare with others: a time without a zone is in
    `tz`, and a date is midnight there."""
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=tz)
    return dt.datetime.combine(value, dt.time(), tzinfo=tz)


def read_text(path: Path) -> str:
    """Read a UTF-8 text file, or raise IssueError saying why it can't be read."""
    if not path.exists():
        raise IssueError(path, None, "no such file")
    if path.is_dir():
        raise IssueError(path, None, "is a folder with no issue files (*.md) in it")
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise IssueError(path, 1, f"issue is {size / 1024 / 1024:.1f} MB; the limit is "
                             f"{MAX_BYTES // 1024 // 1024} MB (an email is clipped at 102 KB)")
        data = path.read_bytes()
    except OSError as exc:
        raise IssueError(path, None, f"cannot read: {exc.strerror}") from None
    if len(data) > MAX_BYTES:   # it grew since stat()
        raise IssueError(path, 1, f"issue is {len(data) / 1024 / 1024:.1f} MB; the limit is "
                         f"{MAX_BYTES // 1024 // 1024} MB (an email is clipped at 102 KB)")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):   # Windows Notepad's "Unicode"
        raise IssueError(path, 1, "saved as UTF-16; save the file as UTF-8")
    if b"\x00" in data[:8192]:
        raise IssueError(path, None, "looks like a binary file, not Markdown text")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise IssueError(path, line, "not UTF-8 text; save the file as UTF-8") from None
    return text.replace("\r\n", "\n").replace("\r", "\n").translate(INVISIBLE)


def split_front_matter(path: Path, text: str) -> tuple[str | None, str, int]:
    """Return (front matter, body, line where body starts)."""
    lines = text.split("\n")
    if not lines or lines[0].rstrip() != "---":
        return None, text, 1
    for i, line in enumerate(lines[1:], start=1):
        if CONFLICT.match(line):
            raise IssueError(path, i + 1, "merge-conflict marker in front matter; "
                             "keep one side of the conflict and delete the markers")
        if line.rstrip() in ("---", "..."):
            return "\n".join(lines[1:i]), "\n".join(lines[i + 1:]), i + 2
    raise IssueError(path, 1, "front matter starts with '---' but has no closing '---'")


def _key_lines(front: str) -> dict[str, list[int]]:
    """Each key's lines in the file; more than one when it is written twice,
    which YAML allows silently, keeping the last."""
    try:
        node = yaml.compose(front, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return {}
    return lines_of(node)


class _Loader(LenientDates, yaml.SafeLoader):
    """SafeLoader, except that an impossible date such as 2026-13-45 stays a
    string (see LenientDates), and aliases may not make the front matter much
    bigger, or contain themselves."""

    def compose_document(self):
        node = super().compose_document()
        if node is not None:
            check_aliases(node)
        return node


_Loader.add_constructor("tag:yaml.org,2002:timestamp", LenientDates.construct_yaml_timestamp)


def parse_front_matter(path: Path, front: str) -> tuple[dict[str, Any], dict[str, list[int]]]:
    """The front matter's values, and the lines each key is written on."""
    try:
        fast = fast_load(front)
    except TooBig as exc:
        raise IssueError(path, exc.line, str(exc)) from None
    if fast is not None:
        meta, key_lines = fast
        if meta is None:
            return {}, {}
        if not isinstance(meta, dict):
            raise IssueError(path, 2, "front matter must be 'key: value' lines")
        return {str(k): v for k, v in meta.items()}, key_lines
    loader = _Loader(front)
    try:
        meta = loader.get_single_data()
    except TooBig as exc:
        raise IssueError(path, exc.line, str(exc)) from None
    except RecursionError:
        # PyYAML composes nested values recursively: `a: [[[[...` 1,000 deep.
        raise IssueError(path, loader.line + 2, "front matter is nested too deeply") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = mark.line + 2 if mark else 1
        if isinstance(exc, yaml.reader.ReaderError):
            # A character YAML can't read has a position, not a mark.
            line = front.count("\n", 0, exc.position) + 2
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        context = getattr(exc, "context", None) or ""
        plain, line = plain_yaml_error(problem, context, line, exc)
        raise IssueError(path, line, f"front matter is not valid YAML: {plain}"
                         f"{' (YAML says: ' + problem + ')' if plain != problem else ''}") from None
    finally:
        loader.dispose()
    if meta is None:
        return {}, {}
    if not isinstance(meta, dict):
        raise IssueError(path, 2, "front matter must be 'key: value' lines")
    return {str(k): v for k, v in meta.items()}, _key_lines(front)


def _without_controls(front: str, warnings: list) -> str:
    """The front matter as typed, less control characters, each line's reported."""
    if not CONTROL.search(front):
        return front
    lines = front.split("\n")
    for i, line in enumerate(lines):
        if CONTROL.search(line):
            warnings.append((i + 2, "control-character",
                             f"{_named(line)} removed from the front matter"))
            lines[i] = CONTROL.sub("", line)
    return "\n".join(lines)


def _named(text: str) -> str:
    found = sorted(set(CONTROL.findall(text)))
    return ("control character " if len(found) == 1 else "control characters ") + \
        ", ".join(f"U+{ord(c):04X}" for c in found)


def _clean_values(meta: dict[str, Any], lines: dict[str, int], warnings: list) -> None:
    """Control characters out of every string value (a YAML escape such as
    "\x07" makes one), in lists and mappings too; tabs in one-line fields
    become spaces. Shared values (aliases) are cleaned once."""
    seen: set[int] = set()

    def clean(value, found: list[str]):
        if isinstance(value, str):
            if CONTROL.search(value):
                found.append(value)
                value = CONTROL.sub("", value)
            return value
        if isinstance(value, list | dict) and id(value) not in seen:
            seen.add(id(value))
            items = value.items() if isinstance(value, dict) else enumerate(value)
            for k, v in list(items):
                value[k] = clean(v, found)
        return value

    for key, value in meta.items():
        found: list[str] = []
        value = clean(value, found)
        if found:
            warnings.append((lines.get(key, 1), "control-character",
                             f"{_named(''.join(found))} removed from {key}"))
        if isinstance(value, str) and "\t" in value and \
                re.sub(r"[\s_-]+", "", key.lower()) in ONE_LINE:
            value = value.replace("\t", " ")
        meta[key] = value


def read_issue(path: str | Path) -> Issue:
    path = Path(path)
    text = read_text(path)
    front, body, body_line = split_front_matter(path, text)
    warnings: list[tuple[int, str, str]] = []
    if front is not None:
        front = _without_controls(front, warnings)
    meta, key_lines = parse_front_matter(path, front) if front is not None else ({}, {})
    lines = {key: found[-1] for key, found in key_lines.items()}
    _clean_values(meta, lines, warnings)

    title = meta.get("title")
    if title is None or (isinstance(title, str) and not title.strip()):
        raise IssueError(path, lines.get("title", 1), "missing 'title' in front matter")
    if isinstance(title, dict | list):
        raise IssueError(path, lines["title"], "'title' must be text")
    title = " ".join(str(title).split())

    if "date" in meta and meta["date"] is not None:
        date = parse_date(meta["date"])
        if date is None:
            raise IssueError(path, lines.get("date", 1), f"cannot read date {str(meta['date'])!r}; "
                             "use 2019-07-14 or 2019-07-14 22:46:00 -04:00")
    else:
        date = date_from_name(path)
        if date is None:
            raise IssueError(path, 1, "no date: add 'date: YYYY-MM-DD' to the front matter "
                             "or start the file name with YYYY-MM-DD-")
    if not 1900 <= date.year <= 2999:
        # A typo (0219, 20190...); the year 1 or 9999 also overflows when a
        # calendar file converts the date to UTC.
        raise IssueError(path, lines.get("date", 1), f"the date {date.isoformat()[:10]} has the year "
                         f"{date.year}; is it a typo?")

    subject = meta.get("subject")
    subject = " ".join(str(subject).split()) if subject else title
    preheader = meta.get("preheader") or meta.get("description")
    preheader = " ".join(str(preheader).split()) if preheader else None
    return Issue(path=path, title=title, date=date, meta=meta, lines=lines, body=body,
                 body_line=body_line, subject=subject, preheader=preheader,
                 published=meta.get("published", True) is not False,
                 duplicates={k: found for k, found in key_lines.items() if len(found) > 1},
                 read_warnings=warnings)


def date_from_name(path: Path) -> dt.date | None:
    match = DATE_PREFIX.match(path.name)
    if not match:
        return None
    try:
        return dt.date(*map(int, match.groups()))
    except ValueError:
        return None


def find_issue_files(paths: list[Path]) -> list[Path]:
    """Expand folders into their issue files, sorted by name (so by date)."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            inside = sorted(p for p in path.rglob("*")
                            if p.suffix in SUFFIXES and p.is_file()
                            and not any(part.startswith(".") for part in p.relative_to(path).parts))
            # A folder with no issues stays in the list, so reading it reports
            # it as one bad input instead of stopping the whole batch.
            found.extend(inside or [path])
        else:
            found.append(path)
    return found


def newest_issue_file(folder: Path) -> Path:
    """The newest issue in a folder, by file-name date, then front matter date."""
    files = [p for p in find_issue_files([folder]) if p != folder] if folder.is_dir() else []
    if not files:
        raise NewsletterError(f"no issue files (*.md) in {display_path(folder)}/; "
                              "write one with 'newsletter new \"Title\"'")

    def key(p: Path):
        date = date_from_name(p)
        if date is None:
            try:
                date = read_issue(p).day
            except IssueError:
                date = dt.date.min
        return (date, p.name)
    return max(files, key=key)


def slugify(text: str) -> str:
    # Accents go ("Ça va" -> "ca-va"), but letters with no ASCII form stay, so
    # a Cyrillic or Arabic title gets its own file name, not "issue".
    def plain(char: str) -> str:
        bare = "".join(c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c))
        return bare if bare.isascii() else char
    slug = re.sub(r"[\W_]+", "-", "".join(map(plain, unicodedata.normalize("NFC", text))).lower())
    return slug.strip("-")[:60].strip("-") or "issue"
