"""Parser-based safety assertions on a built email, shared by the hostile
suite (test_hostile.py) and the fuzzer (test_fuzz_gate.py).

Independent of newsletter/render/gate.py on purpose: the gate is the code
under test, so nothing here imports it. The HTML is read with html5lib, as
browsers and mail clients read it; template engines are the real ones where
they are installed (Django for buttondown, python-liquid for kit).
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from urllib.parse import unquote

import html5lib

from newsletter.render.platforms import PROFILES

CANARY = "canary-7f3a9e@leak.example"
POSTAL = "1 Test St, Testville"
SITE = "https://example.org/"
GENERIC_UNSUB = "https://example.org/unsub"

FORBIDDEN = {"script", "iframe", "object", "embed", "form", "base", "frame", "frameset",
             "applet"}
URL_ATTRS = {"href", "src", "action", "formaction", "background", "poster", "lowsrc",
             "dynsrc", "srcset", "data"}
BAD_SCHEME = re.compile(r"^(javascript|vbscript|data):", re.I)
# C0 and C1 controls other than tab, LF, CR.
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# A marker of ours (PHQ<hex>QHP), nonce or not, or the start of one cut short.
MARKER = re.compile(r"PHQ[0-9a-f]+(?:QHP)?")


def workspace_toml(inliner: str) -> str:
    return (f'org_name = "Test Group"\npostal_address = "{POSTAL}"\n'
            f'site_url = "{SITE}"\nunsubscribe_url = "{GENERIC_UNSUB}"\n'
            f'inliner = "{inliner}"\n')


def unsubscribe_tag(platform: str) -> str:
    return PROFILES[platform].tags["unsubscribe_url"] or GENERIC_UNSUB


# -- HTML ----------------------------------------------------------------------

def parse(html: str):
    return html5lib.parse(html, treebuilder="etree", namespaceHTMLElements=False)


def _local(name) -> str:
    return name.rsplit("}", 1)[-1].lower() if isinstance(name, str) else ""


def unsafe_markup(html: str, tree=None, depth: int = 0) -> list[str]:
    """Forbidden elements, handlers and URLs in the document, and in every
    comment holding markup (Outlook's `<!--[if mso]>...<![endif]-->`), which
    is parsed as a document of its own."""
    found = []
    for el in (tree if tree is not None else parse(html)).iter():
        if not isinstance(el.tag, str):
            if el.text and "<" in el.text and depth < 4:
                found += _unsafe_comment(el.text, depth + 1)
            continue
        found += _unsafe_element(el)
    return found


@functools.lru_cache(maxsize=4096)
def _unsafe_comment(text: str, depth: int) -> tuple[str, ...]:
    # The theme's conditional comments are the same in every build: parsed once.
    return tuple(unsafe_markup(text, depth=depth))


def _unsafe_element(el) -> list[str]:
    found = []
    tag = _local(el.tag)
    if tag in FORBIDDEN:
        found.append(f"<{tag}> element")
    if tag == "meta" and "refresh" in el.get("http-equiv", "").lower():
        found.append("<meta http-equiv=refresh>")
    for name, value in el.attrib.items():
        name = _local(name)
        if name.startswith("on"):
            found.append(f"{name}= on <{tag}>")
        if name in URL_ATTRS or name.endswith("href") or name.endswith("src"):
            # Browsers ignore whitespace and controls inside the scheme.
            url = re.sub(r"[\x00-\x20\x7f-\x9f\s]", "", value)
            if BAD_SCHEME.match(url) and not (
                    tag == "img" and name == "src" and url.lower().startswith("data:image/")):
                found.append(f"{url[:30]!r} in <{tag} {name}>")
        if name == "style" and re.search(r"javascript:|expression\s*\(|behavior\s*:", value, re.I):
            found.append(f"script in style= on <{tag}>")
    return found


def visible_text(tree) -> str:
    out = []

    def walk(el, hidden):
        tag = _local(el.tag)
        hide = hidden or tag in ("head", "style", "script", "title") or not isinstance(el.tag, str)
        if el.text and not hide:
            out.append(el.text)
        for child in el:
            walk(child, hide)
            if child.tail and not hidden:
                out.append(child.tail)
    walk(tree, False)
    return " ".join(" ".join(out).split())


def hrefs(tree) -> list[str]:
    return [el.get("href", "") for el in tree.iter() if _local(el.tag) == "a"]


# -- template engines ------------------------------------------------------------

@functools.lru_cache(maxsize=1)
def _django_engine():
    import django
    from django.conf import settings
    if not settings.configured:
        settings.configure(USE_TZ=True, TEMPLATES=[])
        django.setup()
    from django.template import Engine
    return Engine(autoescape=True)


def django_render(source: str, autoescape: bool = True) -> str:
    from django.template import Context
    template = _django_engine().from_string(source)
    return template.render(Context(_context(), autoescape=autoescape))


def liquid_render(source: str) -> str:
    import liquid
    return liquid.Environment().from_string(source).render(**_context())


def _context() -> dict:
    person = {"email": CANARY, "first_name": "Ada", "metadata": {"first_name": "Ada"},
              "id": CANARY, "secret": CANARY}
    return {"subscriber": person, "contact": {"FIRSTNAME": "Ada", "EMAIL": CANARY},
            "email": CANARY, "unsubscribe_url": "https://svc.example/u/1",
            "email_url": "https://svc.example/e/1", "unsubscribe": "https://svc.example/u/1",
            "mirror": "https://svc.example/m/1", "settings": {"SECRET_KEY": CANARY}}


def _fallback_pattern(platform) -> str:
    # A fallback may not hold quotes, brackets, braces, * | % $ \ ` < > &.
    return re.escape(platform.fallback).replace(
        re.escape("{fallback}"), r"[^\"'{}\[\]*|%$\\`<>&\x00-\x1f\x7f]*")


def own_tags(platform) -> re.Pattern:
    pieces = [re.escape(tag) for tag in platform.tags.values() if tag]
    if platform.fallback:
        pieces.append(_fallback_pattern(platform))
    return re.compile("|".join(sorted(pieces, key=len, reverse=True)) or r"(?!)")


LISTMONK_ESCAPE = '{{"{{"}}'
SENDY_TAG = re.compile(r"\[(Name|Email|unsubscribe|webversion|reconsent|current(day|month)(number)?"
                       r"|currentyear)\]|\[[\x20-\x2b\x2d-\x5a\x5c\x5e-\x7e]+,\s*fallback=", re.I)


def engine_problems(platform_name: str, html: str, text: str, subject: str | None) -> list[str]:
    """What the service's template engine would do with the parts, checked."""
    platform = PROFILES[platform_name]
    found: list[str] = []
    parts = {"email.html": html, "email.txt": text}
    if subject is not None:
        parts["subject"] = subject
    if platform_name in ("buttondown", "kit"):
        render = django_render if platform_name == "buttondown" else liquid_render
        for name, source in parts.items():
            try:
                out = render(source)
            except Exception as exc:   # noqa: BLE001 - any engine error is a finding
                found.append(f"{platform_name}'s engine fails on {name}: "
                             f"{type(exc).__name__}: {str(exc)[:200]}")
                continue
            if CANARY in out:
                found.append(f"{platform_name}'s engine prints the canary in {name}")
    if platform_name == "listmonk":
        tags = own_tags(platform)
        for name, source in parts.items():
            at = 0
            while (at := source.find("{{", at)) >= 0:
                if source.startswith(LISTMONK_ESCAPE, at):
                    at += len(LISTMONK_ESCAPE)
                    continue
                match = tags.match(source, at)
                if not match:
                    found.append(f"listmonk: a {{{{ that is no tag in {name}: "
                                 f"{source[at:at + 40]!r}")
                    break
                at = match.end()
    if platform_name == "mailchimp":
        rest = {name: own_tags(platform).sub("", source) for name, source in parts.items()}
        for name, source in rest.items():
            stray = re.search(r"\*\|[^\n]{0,80}?\|\*", source)
            if stray:
                found.append(f"mailchimp: merge syntax {stray.group(0)!r} in {name}")
    if platform_name == "sendy":
        # Sendy replaces its tags in the raw parts, by name, and a custom
        # field as `[Name,fallback=` with an ASCII name: written apart from
        # the profile's pattern, so the two can disagree.
        for name, source in parts.items():
            rest = own_tags(platform).sub("", source)
            stray = SENDY_TAG.search(rest)
            if stray:
                found.append(f"sendy: tag {stray.group(0)!r} left in {name}")
    if platform.evaluates:
        # Any service: after its own tags (and, in text, its documented
        # escapes) nothing that opens its template syntax is left.
        tags = own_tags(platform)
        for name, source in parts.items():
            rest = tags.sub("", source)
            if name != "email.html" and platform.text_escape:
                for escaped in sorted(platform.text_escape.values(), key=len, reverse=True):
                    rest = rest.replace(escaped, "")
            for opener in platform.evaluates:
                if opener in rest:
                    at = rest.find(opener)
                    found.append(f"{platform_name}: {opener!r} left in {name}: "
                                 f"{rest[max(0, at - 20):at + 40]!r}")
    return found


# -- everything ------------------------------------------------------------------

@dataclass
class Built:
    platform: str
    html: str
    text: str
    subject: str | None = None


def problems(built: Built, links: list[str] = (), forged: list[str] = ()) -> list[str]:
    """Every way the built email is unsafe or incomplete; empty when fine.

    `links`: URLs the issue's source has, each must be an href in the HTML
    and appear in the text. `forged`: marker look-alikes the issue itself
    contains, which may show as typed.
    """
    found: list[str] = []
    html, text = built.html, built.text
    tree = parse(html)
    found += unsafe_markup(html, tree)
    words = visible_text(tree)
    all_hrefs = hrefs(tree)
    text_words = " ".join(text.split())
    if POSTAL not in words:
        found.append("postal address missing from the HTML's text")
    if POSTAL not in text_words:
        found.append("postal address missing from email.txt")
    unsub = unsubscribe_tag(built.platform)
    if unsub not in all_hrefs:
        found.append(f"no <a href={unsub!r}> in the HTML")
    if unsub not in text:
        found.append(f"{unsub!r} missing from email.txt")
    normalised = {unquote(h.strip()) for h in all_hrefs}
    for link in links:
        if unquote(link) not in normalised:
            found.append(f"link {link} is not an href in the HTML")
        if link not in text and unquote(link) not in text and \
                link.removeprefix("mailto:") not in text:
            found.append(f"link {link} missing from email.txt")
    for name, part in (("email.html", html), ("email.txt", text),
                       ("subject", built.subject or "")):
        for marker in MARKER.finditer(part):
            # Only what the issue itself holds may show, as typed.
            if not any(marker.group(0) in f for f in forged):
                found.append(f"a marker {part[marker.start():marker.end() + 3][:40]!r} in {name}")
        if CONTROL.search(part):
            found.append(f"a control character {CONTROL.search(part).group(0)!r} in {name}")
    found += engine_problems(built.platform, html, text, built.subject)
    return found
