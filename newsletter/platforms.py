"""Neutral placeholders -> each mailing service's merge tags.

Writers put `[[first_name|friend]]`, `[[unsubscribe_url]]` or
`[[view_online_url]]` in issues and templates. Double square brackets mean
nothing to Markdown, Jinja or any of the services, so they cannot collide.

Between reading and the final output a placeholder travels as a sentinel
made only of letters and digits (`PHQ<hex>QHP`). Markdown, Jinja
autoescaping, mjml-python, premailer's URL handling and line wrapping all
leave such a word alone, so the service's tag comes out byte-exact however
many quotes, braces or spaces it contains.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

PLACEHOLDER = re.compile(r"\[\[\s*([a-z_]+)\s*(?:\|\s*([^\]|]*?)\s*)?\]\]")
SENTINEL = re.compile(r"PHQ([0-9a-f]+)QHP")
NAMES = ("unsubscribe_url", "view_online_url", "first_name")


@dataclass(frozen=True)
class Platform:
    name: str
    tags: dict[str, str | None]          # placeholder name -> tag (None: not expressible)
    fallback: str | None = None          # first_name with a fallback; {fallback} is filled in
    required: tuple[str, ...] = ()       # tags the service refuses to send without
    notes: str = ""


# Adding a service is adding an entry here.
PROFILES: dict[str, Platform] = {p.name: p for p in [
    Platform("mailchimp", {"unsubscribe_url": "*|UNSUB|*", "view_online_url": "*|ARCHIVE|*",
                           "first_name": "*|FNAME|*"},
             fallback="*|IF:FNAME|**|FNAME|**|ELSE:|*{fallback}*|END:IF|*",
             required=("unsubscribe_url",)),
    Platform("buttondown", {"unsubscribe_url": "{{ unsubscribe_url }}",
                            "view_online_url": "{{ email.absolute_url }}",
                            "first_name": "{{ subscriber.metadata.first_name }}"},
             fallback='{{ subscriber.metadata.first_name|default:"{fallback}" }}',
             required=("unsubscribe_url",)),
    Platform("listmonk", {"unsubscribe_url": "{{ UnsubscribeURL }}",
                          "view_online_url": "{{ MessageURL }}",
                          "first_name": "{{ .Subscriber.FirstName }}"},
             fallback='{{ .Subscriber.FirstName | default "{fallback}" }}'),
    Platform("sendy", {"unsubscribe_url": "[unsubscribe]", "view_online_url": "[webversion]",
                       "first_name": "[Name,fallback=]"},
             fallback="[Name,fallback={fallback}]"),
    Platform("mailerlite", {"unsubscribe_url": "{$unsubscribe}", "view_online_url": "{$url}",
                            "first_name": "{$name}"},
             fallback="{$name|default('{fallback}')}"),
    Platform("kit", {"unsubscribe_url": "{{ unsubscribe_url }}", "view_online_url": None,
                     "first_name": "{{ subscriber.first_name }}"},
             fallback='{{ subscriber.first_name | default: "{fallback}" }}'),
    Platform("brevo", {"unsubscribe_url": "{{ unsubscribe }}", "view_online_url": "{{ mirror }}",
                       "first_name": "{{ contact.FIRSTNAME }}"},
             fallback='{{ contact.FIRSTNAME | default : "{fallback}" }}'),
    Platform("generic", {"unsubscribe_url": None, "view_online_url": None, "first_name": None}),
]}


def get_platform(name: str) -> Platform:
    try:
        return PROFILES[name]
    except KeyError:
        from .errors import NewsletterError
        raise NewsletterError(f"unknown platform '{name}'; choose one of: "
                              + ", ".join(sorted(PROFILES))) from None


def _encode(name: str, fallback: str | None) -> str:
    raw = name if fallback is None else f"{name}|{fallback}"
    return f"PHQ{raw.encode().hex()}QHP"


def protect(text: str, on_unknown=None) -> str:
    """Replace `[[name|fallback]]` with sentinels. Unknown names stay as text."""
    def swap(match: re.Match) -> str:
        name, fallback = match.group(1), match.group(2)
        if name not in NAMES:
            if on_unknown:
                on_unknown(match)
            return match.group(0)
        return _encode(name, fallback)
    return PLACEHOLDER.sub(swap, text)


def decode(sentinel_hex: str) -> tuple[str, str | None]:
    name, _, fallback = bytes.fromhex(sentinel_hex).decode().partition("|")
    return name, (fallback if _ else None)


def used(text: str) -> set[str]:
    return {decode(m.group(1))[0] for m in SENTINEL.finditer(text)}


def tag_for(platform: Platform, name: str, fallback: str | None, config) -> str | None:
    """The service's tag for one placeholder, or None when it has none."""
    if name == "first_name":
        if fallback is not None and platform.fallback:
            return platform.fallback.replace("{fallback}", fallback)   # not .format: tags contain braces
        tag = platform.tags.get(name)
        return tag if tag is not None else fallback
    tag = platform.tags.get(name)
    if tag is None:
        configured = getattr(config, name, "")
        return configured or None
    return tag


def finalize(text: str, platform: Platform, config) -> tuple[str, list[str]]:
    """Write the service's tags in place of sentinels; return the names it lacks."""
    missing: list[str] = []

    def swap(match: re.Match) -> str:
        name, fallback = decode(match.group(1))
        tag = tag_for(platform, name, fallback, config)
        if tag is None:
            if name not in missing:
                missing.append(name)
            return f"[[{name}]]"
        return tag
    return SENTINEL.sub(swap, text), missing
