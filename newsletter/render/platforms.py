"""Markers -> each mailing service's merge tags, and what each service needs.

In: text in which content/placeholders.py made every placeholder and every
piece of template-like text a marker. Out: the same text with the service's
tag (or its escape of the literal text) written in place of each marker, and
the list of placeholders the service has no tag for. The service's profiles
(tags, fallbacks, required tags, template syntax) are here and nowhere else.
"""
from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from pathlib import Path

from ..content.placeholders import MARKER, Found, Literal, Placeholder, value_of
from ..errors import IssueError, NewsletterError



@dataclass(frozen=True)
class Platform:
    name: str
    tags: dict[str, str | None]          # placeholder name -> tag (None: not expressible)
    fallback: str | None = None          # first_name with a fallback; {fallback} is filled in
    required: dict[str, tuple[str, ...]] = field(default_factory=dict)  # part -> names it must carry
    evaluates: tuple[str, ...] = ()      # openers of the service's template syntax
    escape: tuple[str, str] | None = None  # documented way to print such text literally
    strict: bool = True                  # False: a missing tag warns instead of failing
    unconfirmed: str = ""                # what the docs we found did not confirm


# Adding a service is adding an entry here. A fallback's quotes are never `"`:
# the subject also lands in an HTML attribute (aria-label), and a `"` there
# would end the attribute for any editor that parses the HTML before the
# service fills the tag in. Django and Liquid take '...', Go a `raw string`.
# Sources (checked Nov 2026):
# mailchimp  - Mailchimp KB "How do I add the *|UNSUB|* tag to my plain-text
#              version" (required in HTML and text); *|ARCHIVE|* in Mailchimp's
#              own templates; *|IF:|* *|ELSE:|* *|END:IF|* in Mailchimp
#              Transactional's "About Dynamic and Conditional Merge Tags".
# buttondown - buttondown/docs template-variables.mdx: unsubscribe_url,
#              email_url ("permalink of the email"), subscriber.metadata.first_name;
#              docs.buttondown.com/using-templating: "built on top of Django", any
#              Django filter works (so |default:'x' and the verbatim tag).
# listmonk   - knadh/listmonk docs/content/templating.md: UnsubscribeURL,
#              MessageURL, .Subscriber.FirstName, Sprig functions (default);
#              Go templates print a `raw string` constant as is.
# sendy      - Sendy's own tag list: [Name,fallback=], [unsubscribe] and
#              [webversion] "can be used on both Plain text or HTML version".
# mailerlite - {$unsubscribe} seen in many MailerLite templates, not in
#              MailerLite's docs; {$url}, {$name} and the default syntax unconfirmed.
# kit        - Kit help shows Liquid-style {{ subscriber_preferences_url }};
#              unsubscribe_url, subscriber.first_name and a view-online tag unconfirmed.
# brevo      - help.brevo.com: {{ contact.FIRSTNAME }}, {{ contact.FIRSTNAME|default:'there' }},
#              "mirror, unsubscribe" link variables (exact spelling unconfirmed).
PROFILES: dict[str, Platform] = {p.name: p for p in [
    Platform("mailchimp", {"unsubscribe_url": "*|UNSUB|*", "view_online_url": "*|ARCHIVE|*",
                           "first_name": "*|FNAME|*"},
             fallback="*|IF:FNAME|**|FNAME|**|ELSE:|*{fallback}*|END:IF|*",
             required={"html": ("unsubscribe_url",), "text": ("unsubscribe_url",)},
             evaluates=("*|",)),
    Platform("buttondown", {"unsubscribe_url": "{{ unsubscribe_url }}",
                            "view_online_url": "{{ email_url }}",
                            "first_name": "{{ subscriber.metadata.first_name }}"},
             fallback="{{ subscriber.metadata.first_name|default:'{fallback}' }}",
             required={"html": ("unsubscribe_url",)},
             evaluates=("{{", "{%"), escape=("{% verbatim %}", "{% endverbatim %}"),
             unconfirmed="the verbatim escape (a Django tag; Buttondown documents Django filters)"),
    Platform("listmonk", {"unsubscribe_url": "{{ UnsubscribeURL }}",
                          "view_online_url": "{{ MessageURL }}",
                          "first_name": "{{ .Subscriber.FirstName }}"},
             fallback="{{ .Subscriber.FirstName | default `{fallback}` }}",
             evaluates=("{{",), escape=("{{`", "`}}")),
    Platform("sendy", {"unsubscribe_url": "[unsubscribe]", "view_online_url": "[webversion]",
                       "first_name": "[Name]"},
             fallback="[Name,fallback={fallback}]"),
    Platform("mailerlite", {"unsubscribe_url": "{$unsubscribe}", "view_online_url": "{$url}",
                            "first_name": "{$name}"},
             fallback="{$name|default('{fallback}')}", evaluates=("{$",),
             unconfirmed="{$url}, {$name} and {$name|default('...')}"),
    Platform("kit", {"unsubscribe_url": "{{ unsubscribe_url }}", "view_online_url": None,
                     "first_name": "{{ subscriber.first_name }}"},
             fallback="{{ subscriber.first_name | default: '{fallback}' }}",
             evaluates=("{{", "{%"), escape=("{% raw %}", "{% endraw %}"),
             unconfirmed="{{ unsubscribe_url }}, {{ subscriber.first_name }} and the raw escape"),
    Platform("brevo", {"unsubscribe_url": "{{ unsubscribe }}", "view_online_url": "{{ mirror }}",
                       "first_name": "{{ contact.FIRSTNAME }}"},
             fallback="{{ contact.FIRSTNAME|default:'{fallback}' }}",
             evaluates=("{{", "{%"),
             unconfirmed="the spelling of {{ unsubscribe }} and {{ mirror }}"),
    Platform("generic", {"unsubscribe_url": None, "view_online_url": None, "first_name": None},
             strict=False),
]}


# Old names users still know the services by.
ALIASES = {"convertkit": "kit", "sendinblue": "brevo"}


def get_platform(name: str) -> Platform:
    key = name.strip().lower()
    try:
        return PROFILES[ALIASES.get(key, key)]
    except KeyError:
        raise NewsletterError(f"unknown platform '{name}'; choose one of: "
                              + ", ".join(sorted(PROFILES))) from None


def tag_for(platform: Platform, name: str, fallback: str | None, config) -> str | None:
    """The service's tag for one placeholder, or None when it has none."""
    if name == "first_name":
        if fallback is not None and platform.fallback:
            # Not str.format: the tags' own braces ({{ }}, {$ }) would be eaten.
            return platform.fallback.replace("{fallback}", fallback)
        tag = platform.tags.get(name)
        return tag if tag is not None else fallback
    tag = platform.tags.get(name)
    if tag is None:
        configured = getattr(config, name, "")
        return configured or None
    return tag


def literal_for(platform: Platform, text: str) -> str:
    """Text that looked like template syntax, as this service must receive it."""
    if not evaluated(platform, text) or not platform.escape:
        return text
    before, after = platform.escape
    # An escape can't hold its own closing marker; such text is left as it was.
    return text if after.strip("}") in text else before + text + after


def evaluated(platform: Platform, text: str) -> bool:
    return any(opener in text for opener in platform.evaluates)


def finalize(text: str, platform: Platform, config, html_part: bool = False) -> tuple[str, list[str]]:
    """Write the service's tags in place of markers; return the names it lacks."""
    missing: list[str] = []

    def swap(match: re.Match) -> str:
        value = value_of(match.group(1))
        if isinstance(value, Literal):
            out = literal_for(platform, value.text)
            return html.escape(out, quote=True) if html_part else out
        name, fallback = value.name, value.fallback
        tag = tag_for(platform, name, fallback, config)
        if tag is None:
            if name not in missing:
                missing.append(name)
            # A first name nobody can fill is better blank than a visible [[...]].
            return "" if name == "first_name" else f"[[{name}]]"
        if html_part and platform.tags.get(name) is None:
            return html.escape(tag, quote=True)   # a configured URL is data, not a tag
        return tag
    return MARKER.sub(swap, text), missing


def check_found(found: list[Found], platform: Platform, config, problems) -> None:
    """Placeholders the service can't fill and text it would evaluate, by line."""
    for item in found:
        value = item.value
        if isinstance(value, Placeholder):
            if tag_for(platform, value.name, value.fallback, config) is not None:
                continue
            if platform.strict:
                raise IssueError(item.path, item.line, f"{platform.name} has no tag for "
                                 f"{item.source}; set {value.name} in newsletter.toml or remove it")
            if value.name != "first_name" or value.fallback is None:
                problems.warn(item.path, item.line, "platform-tag",
                              f"platform '{platform.name}' has no tag for {item.source}; "
                              f"set {value.name} in newsletter.toml or choose a platform")
            continue
        if not evaluated(platform, value.text):
            continue
        if literal_for(platform, value.text) != value.text:
            note = f"escaped with {platform.escape[0]}...{platform.escape[1]}"
        else:
            note = "it documents no escape; reword it or the service will try to fill it in"
        problems.warn(item.path, item.line, "template-syntax",
                      f"{value.text!r} looks like {platform.name}'s template syntax; {note}")


def missing_required(platform: Platform, parts: dict[str, str]) -> list[tuple[str, str]]:
    """(part, tag) pairs the service requires but the finished parts lack."""
    lacking = []
    for part, names in platform.required.items():
        for name in names:
            tag = platform.tags[name]
            if tag and tag not in parts.get(part, ""):
                lacking.append((part, tag))
    return lacking


def locate_in_templates(name: str, folders: list[Path]) -> tuple[str, int | None]:
    """The first template (user's before the theme's) that uses [[name]], and its line."""
    probe = re.compile(r"\[\[\s*" + re.escape(name) + r"\b")
    for folder in folders:
        if not folder.is_dir():
            continue
        for path in sorted(folder.rglob("*")):
            if not path.is_file() or path.suffix not in (".mjml", ".html", ".txt"):
                continue
            try:
                text = path.read_text(encoding="utf-8")
            except (UnicodeDecodeError, OSError):
                continue
            found = probe.search(text)
            if found:
                return str(path), text.count("\n", 0, found.start()) + 1
    return "templates", None


def can_view_online(config) -> bool:
    """Whether the footers can offer a 'view in your browser' link."""
    return bool(get_platform(config.platform).tags.get("view_online_url") or config.view_online_url)
