"""Neutral placeholders -> each mailing service's merge tags.

Writers put `[[first_name|friend]]`, `[[unsubscribe_url]]` or
`[[view_online_url]]` in issues and templates. Double square brackets mean
nothing to Markdown, Jinja or any of the services, so they cannot collide.

Between reading and the final output a placeholder travels as a sentinel
made only of letters and digits (`PHQ<hex>QHP`). Markdown, Jinja
autoescaping, mjml-python, premailer's URL handling and line wrapping all
leave such a word alone, so the service's tag comes out byte-exact however
many quotes, braces or spaces it contains.

Text in an issue that looks like a service's own template syntax
(`{{ x }}`, `{% x %}`, `*|X|*`, `{$x}`) travels the same way, as a
"literal" sentinel, and comes out escaped for services that document an
escape, or as it was with a warning for those that don't.
"""
from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from pathlib import Path

from .errors import IssueError, NewsletterError

PLACEHOLDER = re.compile(r"\[\[\s*([a-z_]+)\s*(?:\|\s*([^\]|]*?)\s*)?\]\]")
SENTINEL = re.compile(r"PHQ([0-9a-f]+)QHP")
NAMES = ("unsubscribe_url", "view_online_url", "first_name")
LITERAL_NAME = "literal"
# Template syntax of the services; a whole `{{ ... }}` on one line first,
# then unclosed openers, which would break the service's template parser.
# Mailchimp's tags are upper case; that keeps `*a*|*b*` in a table row out.
LITERAL = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{\{|\{%|\*\|[A-Z][A-Z0-9_:]*\|\*|\{\$[A-Za-z_][^{}\n]*\}")
# Fallback text is written inside each service's quoting; these would end it.
UNSAFE_FALLBACK = re.compile(r"[\"'{}\[\]*|%$\\`<>&]")


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


def _encode(name: str, fallback: str | None) -> str:
    raw = name if fallback is None else f"{name}|{fallback}"
    return f"PHQ{raw.encode().hex()}QHP"


def protect(text: str, on_unknown=None, on_found=None) -> str:
    """Replace `[[name|fallback]]` with sentinels. Unknown names stay as text."""
    def swap(match: re.Match) -> str:
        name, fallback = match.group(1), match.group(2)
        if name not in NAMES:
            if on_unknown:
                on_unknown(match)
            return match.group(0)
        if on_found:
            on_found(match, name, fallback)
        return _encode(name, fallback)
    return PLACEHOLDER.sub(swap, text)


def guard_literals(text: str, on_found=None) -> str:
    """Replace text that looks like a service's template syntax with sentinels."""
    def swap(match: re.Match) -> str:
        if on_found:
            on_found(match)
        return _encode(LITERAL_NAME, match.group(0))
    return LITERAL.sub(swap, text)


def decode(sentinel_hex: str) -> tuple[str, str | None]:
    name, _, fallback = bytes.fromhex(sentinel_hex).decode().partition("|")
    return name, (fallback if _ else None)


def readable(text: str) -> str:
    """`text` with each sentinel as a reader might see it, for measuring lengths."""
    def swap(match: re.Match) -> str:
        name, fallback = decode(match.group(1))
        return fallback if fallback is not None else name
    return SENTINEL.sub(swap, text)


def preview(text: str) -> str:
    """Text for the inbox preview: a first name stays a placeholder, links go."""
    return SENTINEL.sub(lambda m: m.group(0) if decode(m.group(1))[0] == "first_name" else "", text)


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
    """Write the service's tags in place of sentinels; return the names it lacks."""
    missing: list[str] = []

    def swap(match: re.Match) -> str:
        name, fallback = decode(match.group(1))
        if name == LITERAL_NAME:
            out = literal_for(platform, fallback or "")
            return html.escape(out, quote=True) if html_part else out
        tag = tag_for(platform, name, fallback, config)
        if tag is None:
            if name not in missing:
                missing.append(name)
            # A first name nobody can fill is better blank than a visible [[...]].
            return "" if name == "first_name" else f"[[{name}]]"
        if html_part and platform.tags.get(name) is None:
            return html.escape(tag, quote=True)   # a configured URL is data, not a tag
        return tag
    return SENTINEL.sub(swap, text), missing


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


def protect_issue(body: str, issue, config, problems) -> str:
    """Sentinels for an issue body's placeholders and template-like text.

    Errors and warnings carry the issue file and line.
    """
    return _protect_text(body, issue, config, problems,
                         lambda match: issue.body_line + body.count("\n", 0, match.start()))


# Front matter that ends up in the email: the subject (in <title> and in the
# service's subject field), the title (the heading) and the preview line.
META_FIELDS = {"title": ("title",), "subject": ("subject", "title"),
               "preheader": ("preheader", "description")}


def protect_meta(issue, config, problems) -> dict[str, str | None]:
    """Title, subject and preheader with sentinels, checked like the body.

    Without this a placeholder there would only be swapped late, unchecked:
    an unknown name or a quote in a fallback would reach the service, and a
    fallback with a space could be wrapped onto two lines in the text part.
    """
    out: dict[str, str | None] = {}
    done: dict[tuple, str] = {}   # a subject taken from the title is checked once
    for name, keys in META_FIELDS.items():
        value = getattr(issue, name)
        key = next((k for k in keys if k in issue.meta), None)
        if not value or key is None:
            out[name] = value
            continue
        line = issue.line_of(key)
        if (key, value) not in done:
            done[key, value] = _protect_text(value, issue, config, problems,
                                             lambda match, line=line: line)
        out[name] = done[key, value]
    return out


def _protect_text(text: str, issue, config, problems, line) -> str:
    platform = get_platform(config.platform)

    def unknown(match: re.Match) -> None:
        raise IssueError(issue.display, line(match), f"unknown placeholder {match.group(0)}; "
                         "use one of: " + ", ".join(f"[[{n}]]" for n in NAMES))

    def found(match: re.Match, name: str, fallback: str | None) -> None:
        if fallback and UNSAFE_FALLBACK.search(fallback):
            raise IssueError(issue.display, line(match), f"the fallback in {match.group(0)} "
                             "can't contain quotes, brackets, braces or * | % $ \\ ` < > &")
        if tag_for(platform, name, fallback, config) is not None:
            return
        if platform.strict:
            raise IssueError(issue.display, line(match), f"{platform.name} has no tag for "
                             f"{match.group(0)}; set {name} in newsletter.toml or remove it")
        if name != "first_name" or fallback is None:
            problems.warn(issue.display, line(match), "platform-tag",
                          f"platform '{platform.name}' has no tag for {match.group(0)}; "
                          f"set {name} in newsletter.toml or choose a platform")

    def literal(match: re.Match) -> None:
        text = match.group(0)
        if not evaluated(platform, text):
            return
        if literal_for(platform, text) != text:
            note = f"escaped with {platform.escape[0]}...{platform.escape[1]}"
        else:
            note = "it documents no escape; reword it or the service will try to fill it in"
        problems.warn(issue.display, line(match), "template-syntax",
                      f"{text!r} looks like {platform.name}'s template syntax; {note}")

    text = protect(text, on_unknown=unknown, on_found=found)
    return guard_literals(text, on_found=literal)


def can_view_online(config) -> bool:
    """Whether the footers can offer a 'view in your browser' link."""
    return bool(get_platform(config.platform).tags.get("view_online_url") or config.view_online_url)
