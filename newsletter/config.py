"""`newsletter.toml` -> Config.

Every key has a default, so a folder with nothing but `issues/` works.
A Jekyll `_config.yml` next to it supplies `url` and `timezone` when the
TOML file does not, because that is where such a site already keeps them.
"""
from __future__ import annotations

import dataclasses
import difflib
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from .config_values import (NAMED_COLORS, check_smtp, check_text, check_view_online, is_color,
                            key_line, table_key_line, url_problem)
from .errors import IssueError, NewsletterError, Problems, unknown_id

CONFIG_NAME = "newsletter.toml"
# How issue files are read (source/readers/): "auto" sniffs each file's first lines.
FORMATS = ("auto", "jekyll", "pelican", "hugo", "markdown")

DEFAULT_COLORS = {
    "primary": "#1d4ed8",      # buttons, links, header rule
    "background": "#f3f4f6",   # around the email
    "surface": "#ffffff",      # the email's body
    "text": "#1f2937",
    "muted": "#4b5563",
    "button_text": "#ffffff",
    "card": "#eef2ff",         # action card background
}

# [theme]: how the email is laid out and drawn. No web font by default: one
# needs a network fetch, and most mail clients ignore them anyway.
DEFAULT_THEME = {
    "layout": "cards",         # or "letter": one column of text, like a personal letter
    "font": "system",          # or "serif"
    "corner_radius": 6,        # px, for buttons and boxes
    "button_style": "solid",   # or "outline"
}
THEME_CHOICES = {"layout": ("cards", "letter"), "font": ("system", "serif"),
                 "button_style": ("solid", "outline")}
MAX_RADIUS = 24


@dataclass(frozen=True)
class Config:
    root: Path = Path(".")
    org_name: str = "Our Newsletter"
    logo_url: str = ""
    logo_width: int = 200       # px, at most 552 (the column)
    logo_alt: str = ""          # default: org_name
    tagline: str = ""
    postal_address: str = ""
    site_url: str = ""
    lang: str = "en"
    timezone: str = "UTC"
    output_dir: str = "build"
    issues_dir: str = "issues"
    templates_dir: str = "templates"
    platform: str = "generic"
    unsubscribe_url: str = ""
    view_online_url: str = ""
    size_budget_kb: int = 85
    inliner: str = "css-inline"  # or "premailer"
    format: str = "auto"        # how issue files are read; one of FORMATS
    ics_base_url: str = ""      # where .ics files are published; default <site_url>calendar/
    archive_dir: str = ""       # the web archive's folder; default <output_dir>/site
    at_a_glance: bool = True    # the "at a glance" box, shown from three action cards
    map_links: bool = False     # a map link beside an event's location
    fonts: dict = field(default_factory=dict)
    colors: dict = field(default_factory=lambda: dict(DEFAULT_COLORS))
    theme: dict = field(default_factory=lambda: dict(DEFAULT_THEME))
    social: dict = field(default_factory=dict)   # name -> URL, or {url, icon}
    utm: dict = field(default_factory=dict)
    check: dict = field(default_factory=dict)
    smtp: dict = field(default_factory=dict)
    push: dict = field(default_factory=dict)   # [push.<service>] tables, see PUSH_KEYS
    source: str | None = None   # the file the values came from, for messages

    @property
    def output_path(self) -> Path:
        return self.root / self.output_dir

    @property
    def archive_path(self) -> Path:
        return self.root / (self.archive_dir or f"{self.output_dir}/site")

    @property
    def issues_path(self) -> Path:
        return self.root / self.issues_dir

    @property
    def templates_path(self) -> Path:
        return self.root / self.templates_dir

    @property
    def look(self) -> dict:
        """[theme] with its defaults: a Config made in code may name only some keys."""
        return {**DEFAULT_THEME, **self.theme}

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


KNOWN_KEYS = {f.name for f in dataclasses.fields(Config)} - {"root", "source"}
UTM_KEYS = ("source", "medium", "campaign", "term", "content")   # in the order links get them
TABLE_KEYS = {"colors": set(DEFAULT_COLORS), "theme": set(DEFAULT_THEME), "social": None,
              "fonts": None, "utm": set(UTM_KEYS), "check": {"ignore"},
              "smtp": {"host", "port", "security", "from", "user"}, "push": None}

# `[push.<service>]` settings, each key with its kind: "url", "text", "email",
# "id" (a string or a whole number) or "ids" (a list of those). Which ones a
# service needs is the push package's business; here they are only checked.
PUSH_KEYS = {
    "buttondown": {"api_url": "url"},
    "mailchimp": {"api_url": "url", "list_id": "id", "from_name": "text", "reply_to": "email"},
    "listmonk": {"api_url": "url", "api_user": "text", "list_ids": "ids", "from_email": "text"},
    "mailerlite": {"api_url": "url", "group_ids": "ids", "from_name": "text", "from_email": "email",
                   "reply_to": "email"},
    "kit": {"api_url": "url", "email_address": "email"},
    "brevo": {"api_url": "url", "list_ids": "ids", "from_name": "text", "from_email": "email",
              "reply_to": "email"},
    "sendy": {"api_url": "url", "brand_id": "id", "from_name": "text", "from_email": "email",
              "reply_to": "email"},
}


def _did_you_mean(key: str, known) -> str:
    close = difflib.get_close_matches(key, sorted(known), n=1)
    return f"; did you mean '{close[0]}'?" if close else ""


def _jekyll_defaults(root: Path) -> dict[str, Any]:
    jekyll = root / "_config.yml"
    if not jekyll.is_file():
        return {}
    try:
        data = yaml.safe_load(jekyll.read_text(encoding="utf-8")) or {}
    except (yaml.YAMLError, UnicodeDecodeError, OSError):
        return {}   # someone else's file; ours still works without it
    if not isinstance(data, dict):
        return {}
    out: dict[str, Any] = {}
    if isinstance(data.get("url"), str) and data["url"].startswith("http"):
        base = data.get("baseurl") or ""
        out["site_url"] = data["url"].rstrip("/") + "/" + str(base).strip("/")
    if isinstance(data.get("timezone"), str):
        out["timezone"] = data["timezone"]
    if isinstance(data.get("title"), str):
        out["org_name"] = data["title"]
    return out


def parse_toml(path: Path, text: str) -> dict[str, Any]:
    """TOML, or an IssueError at the line tomllib names in its message."""
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        line = re.search(r"line (\d+)", str(exc))
        raise IssueError(path, int(line.group(1)) if line else None,
                         f"invalid TOML: {exc}") from None


def load_config(path: str | Path | None = None, problems: Problems | None = None,
                **overrides: Any) -> Config:
    """Read the config file (if any) and apply CLI overrides that are not None."""
    problems = problems if problems is not None else Problems()
    explicit = path is not None
    path = Path(path) if path is not None else Path(CONFIG_NAME)
    root = path.parent.resolve()
    values: dict[str, Any] = _jekyll_defaults(root)
    text = ""
    if path.is_file():
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError as exc:
            raise IssueError(path, None, f"not UTF-8 text ({exc.reason})") from None
        data = parse_toml(path, text)
        check_text(data, text, path)
        for key, value in data.items():
            if key not in KNOWN_KEYS:
                problems.warn(path, key_line(text, key), "config-key",
                              f"unknown key '{key}'{_did_you_mean(key, KNOWN_KEYS)}")
                continue
            if key in TABLE_KEYS and not isinstance(value, dict):
                raise IssueError(path, key_line(text, key), f"'{key}' must be a table, like [{key}]")
            allowed = TABLE_KEYS.get(key)
            if allowed:
                for sub in value:
                    if sub not in allowed:
                        problems.warn(path, key_line(text, sub), "config-key",
                                      f"unknown key '{key}.{sub}'{_did_you_mean(sub, allowed)}")
            values[key] = value
    elif explicit:
        raise IssueError(path, None, "config file not found")

    _check_ignore(values.get("check", {}), text, path, problems)
    _check_push(values.get("push", {}), text, path, problems)
    values.update({k: v for k, v in overrides.items() if v is not None})
    values["colors"] = {**DEFAULT_COLORS, **values.get("colors", {})}
    values["theme"] = {**DEFAULT_THEME, **values.get("theme", {})}
    config = Config(root=root, source=str(path) if path.is_file() else None, **values)
    given = {k for k, v in overrides.items() if v is not None}
    try:
        _validate(config, text, path, given)
    except _OptionError as exc:   # the bad value came from the command line, not the file
        raise NewsletterError(f"--{exc.key.replace('_', '-')}: {exc.message}") from None
    return config


class _OptionError(Exception):
    def __init__(self, key: str, message: str):
        self.key, self.message = key, message


def _check_ignore(check: dict, text: str, path: Path, problems: Problems) -> None:
    """[check] ignore = ["link-text", "leftover-*"]: check ids, each known."""
    ignore = check.get("ignore", [])
    if not isinstance(ignore, list) or not all(isinstance(i, str) for i in ignore):
        raise IssueError(path, key_line(text, "ignore"),
                         '[check] ignore must be a list of check ids, like ["link-text"]')
    if not ignore:
        return
    for id in ignore:
        if unknown_id(id):
            problems.warn(path, key_line(text, "ignore"), "config-key", f"[check] {unknown_id(id)}")


def _push_value_ok(kind: str, value) -> bool:
    if kind == "ids":
        return isinstance(value, list) and bool(value) and all(_push_value_ok("id", v) for v in value)
    if kind == "id":
        return (isinstance(value, int) and not isinstance(value, bool)) or \
            (isinstance(value, str) and bool(value.strip()))
    if not isinstance(value, str):
        return False
    if kind == "url":
        return bool(re.match(r"https?://[^\s/]+", value))
    if kind == "email":
        return bool(re.fullmatch(r"[^@\s<>,]+@[^@\s<>,]+", value))
    return "\n" not in value and "\r" not in value


PUSH_KINDS = {"url": "an address starting with https://", "text": "one line of text",
              "email": "one email address, like news@example.org",
              "id": "an id (a string or a whole number)",
              "ids": "a list of ids, like [12] or [\"a1b2\"]"}


def _check_push(push: dict, text: str, path: Path, problems: Problems) -> None:
    """[push.<service>] tables: known services and keys, each value of its kind."""
    for service, settings in push.items():
        if service not in PUSH_KEYS:
            problems.warn(path, key_line(text, service) or key_line(text, f"push.{service}"),
                          "config-key", f"unknown service [push.{service}]"
                          f"{_did_you_mean(service, PUSH_KEYS)}")
            continue
        if not isinstance(settings, dict):
            raise IssueError(path, key_line(text, f"push.{service}") or key_line(text, service),
                             f"'push.{service}' must be a table, like [push.{service}]")
        for key, value in settings.items():
            kind = PUSH_KEYS[service].get(key)
            line = table_key_line(text, f"push.{service}", key)
            if kind is None:
                problems.warn(path, line, "config-key", f"unknown key '{key}' in [push.{service}]"
                              f"{_did_you_mean(key, PUSH_KEYS[service])}")
            elif not _push_value_ok(kind, value):
                raise IssueError(path, line, f"[push.{service}] {key} must be {PUSH_KINDS[kind]} "
                                 f"(got {value!r})")


def _validate(config: Config, text: str, path: Path, given: set[str] = frozenset()) -> None:
    """Raise IssueError at the file's line, or _OptionError for a value in `given`
    (set by a command-line option)."""
    def fail(key: str, message: str):
        return _OptionError(key, message) if key in given else \
            IssueError(path, key_line(text, key), message)

    if not isinstance(config.timezone, str):
        raise IssueError(path, key_line(text, "timezone"), "'timezone' must be a string")
    try:
        config.tz
    except (ZoneInfoNotFoundError, ValueError):
        raise IssueError(path, key_line(text, "timezone"),
                         f"unknown timezone '{config.timezone}' (use a name like 'America/New_York')") from None
    for key in ("size_budget_kb",):
        value = getattr(config, key)
        if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
            raise IssueError(path, key_line(text, key), f"'{key}' must be a positive whole number")
    for key in ("org_name", "logo_url", "logo_alt", "tagline", "postal_address", "site_url", "lang", "platform",
                "unsubscribe_url", "view_online_url", "ics_base_url", "output_dir", "issues_dir", "templates_dir",
                "inliner", "archive_dir", "format"):
        if not isinstance(getattr(config, key), str):
            raise fail(key, f"'{key}' must be a string")
    _validate_theme(config, text, path)
    if config.inliner not in ("css-inline", "premailer"):
        raise IssueError(path, key_line(text, "inliner"),
                         f"inliner must be \"css-inline\" or \"premailer\" (got {config.inliner!r})")
    if config.format not in FORMATS:
        raise IssueError(path, key_line(text, "format"),
                         "format must be " + ", ".join(f'"{f}"' for f in FORMATS[:-1])
                         + f' or "{FORMATS[-1]}" (got {config.format!r})'
                         + _did_you_mean(config.format.lower(), FORMATS))
    for key, value in config.colors.items():
        if not is_color(value):
            hint = _did_you_mean(value.strip().lower(), NAMED_COLORS) \
                if isinstance(value, str) else ""
            raise IssueError(path, key_line(text, key),
                             f"colors.{key} must be a CSS colour: a hex colour like \"#1d4ed8\", "
                             f"rgb()/hsl(), or a CSS colour name (got {value!r}){hint}")
    for key, value in config.fonts.items():
        # The email's <head> links it as a style sheet: an address a client can fetch.
        problem = url_problem(value, WEB) if isinstance(value, str) and value \
            else "is empty or not text"
        if problem:
            raise IssueError(path, key_line(text, key),
                             f"fonts.{key} must be a stylesheet URL: it {problem}")
    for key, value in config.utm.items():
        if not isinstance(value, str):
            raise IssueError(path, key_line(text, key), f"utm.{key} must be a string")
    # Emails can't load an image by a relative path, and a service's
    # unsubscribe link must be one a reader can follow.
    for key, schemes in (("site_url", WEB), ("logo_url", WEB), ("view_online_url", WEB),
                         ("ics_base_url", WEB), ("unsubscribe_url", (*WEB, "mailto"))):
        value = getattr(config, key)
        problem = value and url_problem(value, schemes)
        if problem:
            absolute = ": an email can't load an image by a relative path" \
                if key == "logo_url" and "://" not in value else ""
            raise fail(key, f"{key} {problem}{absolute}")
    check_view_online(config.view_online_url, key_line(text, "view_online_url"), path)
    check_smtp(config.smtp, text, path)


WEB = ("https", "http")


def key_error(config: Config, key: str, message: str) -> IssueError:
    """`message` at `key`'s line in the file the config came from."""
    source = Path(config.source) if config.source else Path(CONFIG_NAME)
    try:
        text = source.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        text = ""
    return IssueError(source, key_line(text, key), message)


def _validate_theme(config: Config, text: str, path: Path) -> None:
    """[theme], the logo, the switches and [social]: each wrong value an error at its line."""
    look = config.look
    for key, choices in THEME_CHOICES.items():
        if look[key] not in choices:
            raise IssueError(path, key_line(text, key), f"theme.{key} must be "
                             + " or ".join(f'"{c}"' for c in choices) + f" (got {look[key]!r})")
    radius = look["corner_radius"]
    if not isinstance(radius, int) or isinstance(radius, bool) or not 0 <= radius <= MAX_RADIUS:
        raise IssueError(path, key_line(text, "corner_radius"),
                         f"theme.corner_radius must be a whole number of pixels from 0 to {MAX_RADIUS}")
    width = config.logo_width
    if not isinstance(width, int) or isinstance(width, bool) or not 16 <= width <= 552:
        raise IssueError(path, key_line(text, "logo_width"),
                         "logo_width must be a whole number of pixels from 16 to 552")
    for key in ("at_a_glance", "map_links"):
        if not isinstance(getattr(config, key), bool):
            raise IssueError(path, key_line(text, key), f"'{key}' must be true or false")
    for name in config.social:
        link = social_link(config, name)
        if link is None:
            raise IssueError(path, key_line(text, name), f"social.{name} must be a URL, or a table "
                             'like { url = "https://...", icon = "https://.../icon.png" }')
        for part in ("url", "icon"):
            problem = link[part] and url_problem(link[part], ("https",))
            if problem:
                raise IssueError(path, key_line(text, name), f"social.{name} {part} {problem}")


def social_link(config: Config, name: str) -> dict | None:
    """A [social] entry as {url, icon, label}; None when it is neither form."""
    value = config.social[name]
    if isinstance(value, str):
        value = {"url": value}
    if not isinstance(value, dict) or not isinstance(value.get("url"), str) or not value["url"] \
            or not all(isinstance(value.get(k, ""), str) for k in ("icon", "label")) \
            or set(value) - {"url", "icon", "label"}:
        return None
    label = value.get("label") or name.replace("_", " ").replace("-", " ").title()
    return {"url": value["url"], "icon": value.get("icon", ""), "label": label}
