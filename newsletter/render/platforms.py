"""Each mailing service's profile: its tags, fallback form, required tags and syntax.

In: a platform name and the recorded placeholders of a Content. Out: the
`Platform`, the tag for one placeholder (`tag_for`), and errors or warnings
for placeholders the service can't fill and text it would evaluate. The tags
are written into a part by render/finalize.py; the profiles are here and
nowhere else.
"""
from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from pathlib import Path

from ..content.placeholders import Found, Placeholder
from ..errors import IssueError, NewsletterError



@dataclass(frozen=True)
class Platform:
    name: str
    tags: dict[str, str | None]          # placeholder name -> tag (None: not expressible)
    fallback: str | None = None          # first_name with a fallback; {fallback} is filled in
    required: dict[str, tuple[str, ...]] = field(default_factory=dict)  # part -> names it must carry
    evaluates: tuple[str, ...] = ()      # openers of the service's template syntax
    # What the service evaluates, as a regex, where openers alone can't say
    # (Sendy's `[Email]`: a bare `[` is everywhere, `[1]` link references too).
    syntax: str = ""
    # In text, an invisible ZWNJ goes after each group 1 of this, when the
    # service documents no escape: it breaks every opener it evaluates.
    breaks: str = r"([{*])(?=[{%$#|])"
    # The service's documented way to print its own syntax as text, opener ->
    # replacement, used in the text part and the subject; None: no documented
    # way, so the opener is broken with an invisible ZWNJ. The HTML part needs
    # none of this: there the openers are written as character references,
    # which no template engine reads as syntax and every mail client shows.
    text_escape: dict[str, str] | None = None
    strict: bool = True                  # False: a missing tag warns instead of failing
    unconfirmed: str = ""                # what the docs we found did not confirm
    filled: bool = False                 # tags become what a reader with no data sees
    pattern: re.Pattern | None = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        source = self.syntax or "|".join(map(re.escape, self.evaluates))
        object.__setattr__(self, "pattern", re.compile(source) if source else None)


# Django's own way to print its syntax (docs.djangoproject.com, built-in
# template tags: templatetag). Each pair is escaped, so no stray closer is read.
DJANGO = {"{{": "{% templatetag openvariable %}", "}}": "{% templatetag closevariable %}",
          "{%": "{% templatetag openblock %}", "%}": "{% templatetag closeblock %}",
          "{#": "{% templatetag opencomment %}", "#}": "{% templatetag closecomment %}"}
ZWNJ = "\u200c"
# Sendy's tags (its campaign editor's list of personalisation tags, sendy.co):
# [Name], [Email], [unsubscribe], [webversion], [reconsent], the [current...]
# dates, and custom fields as [Field,fallback=...]. Sendy replaces them in
# the raw HTML and text, so an escaped `&#91;Email&#93;` or a `[` followed by
# a ZWNJ is not one. Case-insensitive to be safe; the custom field's name is
# anything up to the comma, as Sendy's editor takes names with spaces.
SENDY = (r"(?i:\[(?:name|email|unsubscribe|webversion|reconsent|currentdaynumber|currentday"
         r"|currentmonthnumber|currentmonth|currentyear)\]"
         r"|\[(?!\u200c)[^\[\]\n,]{1,60},\s{0,5}fallback=)")


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
#              [webversion] "can be used on both Plain text or HTML version";
#              also [Email], [reconsent], dates and [Field,fallback=] (SENDY).
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
             evaluates=("{{", "{%", "{#"), text_escape=DJANGO,
             unconfirmed="the templatetag escape (a Django tag; Buttondown documents Django filters)"),
    Platform("listmonk", {"unsubscribe_url": "{{ UnsubscribeURL }}",
                          "view_online_url": "{{ MessageURL }}",
                          "first_name": "{{ .Subscriber.FirstName }}"},
             fallback="{{ .Subscriber.FirstName | default `{fallback}` }}",
             evaluates=("{{",), text_escape={"{{": '{{"{{"}}'}),
    Platform("sendy", {"unsubscribe_url": "[unsubscribe]", "view_online_url": "[webversion]",
                       "first_name": "[Name]"},
             fallback="[Name,fallback={fallback}]", syntax=SENDY, breaks=r"(\[)(?!\u200c)"),
    Platform("mailerlite", {"unsubscribe_url": "{$unsubscribe}", "view_online_url": "{$url}",
                            "first_name": "{$name}"},
             fallback="{$name|default('{fallback}')}", evaluates=("{$",),
             unconfirmed="{$url}, {$name} and {$name|default('...')}"),
    Platform("kit", {"unsubscribe_url": "{{ unsubscribe_url }}", "view_online_url": None,
                     "first_name": "{{ subscriber.first_name }}"},
             fallback="{{ subscriber.first_name | default: '{fallback}' }}",
             evaluates=("{{", "{%"), text_escape={"{{": '{{ "{{" }}', "{%": '{{ "{%" }}'},
             unconfirmed="{{ unsubscribe_url }} and {{ subscriber.first_name }}"),
    Platform("brevo", {"unsubscribe_url": "{{ unsubscribe }}", "view_online_url": "{{ mirror }}",
                       "first_name": "{{ contact.FIRSTNAME }}"},
             fallback="{{ contact.FIRSTNAME|default:'{fallback}' }}",
             evaluates=("{{", "{%"),
             unconfirmed="the spelling of {{ unsubscribe }} and {{ mirror }}"),
    Platform("generic", {"unsubscribe_url": None, "view_online_url": None, "first_name": None},
             strict=False),
]}


# Not a service: the email as a reader with no data sees it, for the preview,
# test sends and the web archive. A first name becomes its fallback (or
# nothing), a configured URL stays, an unknown one becomes "#".
FILLED = Platform("filled", {"unsubscribe_url": None, "view_online_url": None,
                             "first_name": None}, strict=False, filled=True)

# Old names users still know the services by.
ALIASES = {"convertkit": "kit", "sendinblue": "brevo"}


def get_platform(name: str) -> Platform:
    key = name.strip().lower()
    try:
        return PROFILES[ALIASES.get(key, key)]
    except KeyError:
        # 0.8: a typo, not another service (mailjet is not mailerlite).
        close = difflib.get_close_matches(key, sorted({*PROFILES, *ALIASES}), n=1, cutoff=0.8)
        hint = f"did you mean '{ALIASES.get(close[0], close[0])}'? " if close else ""
        raise NewsletterError(f"unknown platform '{name}'; {hint}choose one of: "
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


def how_to_fill(name: str, otherwise: str) -> str:
    """Advice for a placeholder with no tag: a URL is a newsletter.toml key;
    a first name is no key at all, so it takes a fallback instead."""
    if name == "first_name":
        return f"give it a fallback ([[first_name|friend]]) or {otherwise}"
    return f"set {name} in newsletter.toml or {otherwise}"


def evaluated(platform: Platform, text: str) -> bool:
    return platform.pattern is not None and platform.pattern.search(text) is not None


def check_found(found: list[Found], platform: Platform, config, problems) -> None:
    """Placeholders the service can't fill and text it would evaluate, by line."""
    for item in found:
        value = item.value
        if isinstance(value, Placeholder):
            if tag_for(platform, value.name, value.fallback, config) is not None:
                continue
            if platform.strict:
                raise IssueError(item.path, item.line, f"{platform.name} has no tag for "
                                 f"{item.source}; " + how_to_fill(value.name, "remove it"))
            if value.name != "first_name" or value.fallback is None:
                problems.warn(item.path, item.line, "platform-tag",
                              f"platform '{platform.name}' has no tag for {item.source}; "
                              + how_to_fill(value.name, "choose a platform"))
            continue
        if not evaluated(platform, value.text):
            continue
        if platform.text_escape:
            note = "escaped, so readers see it as typed"
        else:
            note = ("it documents no escape, so its openers are written as character "
                    "references in the HTML and split by an invisible character in the text")
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
