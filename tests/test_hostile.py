"""Hostile issues, built through the real CLI for every service and both inliners.

Each case is one issue file written by someone trying to get script, a
service's template syntax or a cut footer into the email. For each build:
either it exits 0 and the written email passes tests/safety.py (html5lib
for the markup, Django / python-liquid for buttondown / kit, scanners for
listmonk and mailchimp), or it exits non-zero with a `path:line` or `path:`
message, no traceback, and nothing written. Never both exit 0 and unsafe.

The full matrix runs with css-inline; premailer runs on three services by
default and on all of them under `-m slow`.

Set NEWSLETTER_HOSTILE_STATS=<file> to append one line per build
(case, platform, inliner, outcome) to that file.
"""
from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
import sys
from dataclasses import dataclass, field

import pytest
import yaml

from newsletter.cli import main
from newsletter.content.placeholders import NONCE
from newsletter.render.platforms import PROFILES

import safety
from conftest import write_issue

PLATFORMS = sorted(PROFILES)
PREMAILER_SUBSET = ("buttondown", "kit", "mailchimp")
NAME = "2026-01-05-hostile.md"
STEM = NAME[:-3]
LINK = "https://example.org/report"
LINK2 = "https://example.org/petition?id=7&src=mail"


@dataclass
class Case:
    id: str
    body: str
    front: dict = field(default_factory=dict)   # YAML-dumped after title/date
    raw_front: str = ""                          # appended verbatim to the front matter
    title: str = "Hostile issue"
    links: tuple = (LINK,)
    forged: tuple = ()


def issue_text(case: Case) -> str:
    meta = {"title": case.title, "date": dt.date(2026, 1, 5), **case.front}
    front = yaml.safe_dump(meta, allow_unicode=False, sort_keys=False, width=10**6)
    return f"---\n{front}{case.raw_front}---\n\n{case.body}\n"


def with_link(body: str, before: bool = False) -> str:
    """The body with a link to LINK and LINK2, before or after the attack."""
    links = f"Read [the report]({LINK}) and sign [the petition]({LINK2}) today."
    return f"{links}\n\n{body}" if before else f"{body}\n\n{links}"


def both(case: Case) -> Case:
    case.links = (LINK, LINK2)
    return case


EVENT = {"event-start-date": "2026-02-01 10:00"}

# -- a. forged markers --------------------------------------------------------------

def _old(raw: str) -> str:
    return "PHQ" + raw.encode().hex() + "QHP"


def _new(kind: str, raw: str, nonce: str = "0123456789abcdef") -> str:
    return "PHQ" + nonce + (kind + raw).encode().hex() + "QHP"


OLD = _old("first_name|<script>alert(1)</script>")
NEW = _new("p", "first_name|<script>alert(1)</script>")
NEW_LIT = _new("l", "<img src=x onerror=alert(1)>")
FORGED = (OLD, NEW, NEW_LIT)
CASES_A = [
    both(Case("forged-body", with_link(f"Hello {OLD} and {NEW} and {NEW_LIT}."), forged=FORGED)),
    both(Case("forged-title", with_link("Plain body."), title=f"News {OLD} {NEW}", forged=FORGED)),
    both(Case("forged-location", with_link("Plain body."),
              front={**EVENT, "Location": f"Hall {OLD} {NEW_LIT}",
                     "call-script-text": f"Say {NEW}"}, forged=FORGED)),
    # This process's own nonce: what an attacker who learnt it could write.
    both(Case("forged-real-nonce", with_link(
        f"Hi {_new('p', 'first_name|<script>alert(1)</script>', NONCE)} "
        f"{_new('p', 'unsubscribe_url', NONCE)} {_new('l', '{{ subscriber.email }}', NONCE)}"),
        forged=FORGED)),
    both(Case("forged-link", f"[a {OLD}](https://example.org/{NEW}) ![{NEW_LIT}](/i.png)\n\n"
              + with_link(""), forged=FORGED)),
]

# -- b. the inliners' stand-ins ----------------------------------------------------------

SWAP = 'href="https://evil.example/x" onfocus="alert(1)" autofocus x="'
CASES_B = [
    both(Case("swap-attr-sentence", with_link(f"Look: {SWAP} and more.\n\n<p>{SWAP}</p>"))),
    both(Case("swap-title-url", with_link("Body."), title='Title x="nl-url-0" y="nlu0"',
              front={"subject": 'Sub x="nl-url-0"', "preheader": 'pre x="nl-url-0"'})),
    both(Case("swap-title-import", with_link("Body /*nl-import-0*/ text."),
              title="Title /*nl-import-0*/ </style><script>alert(1)</script>")),
    both(Case("swap-title-premailer", with_link('<p data-premailer="ignore">x</p>'),
              title='Title data-premailer="ignore" <style>a{}</style>')),
    both(Case("swap-link-text", with_link(f'[{SWAP}](https://example.org/a "{SWAP}") '
                                          f'![{SWAP}](/i.png)'),
              front={"preheader": SWAP})),
]

# -- c. unterminated placeholders -------------------------------------------------------

CASES_C = [
    both(Case("unterminated-fallback",
              with_link("Hello [[first_name|\nfriend, here is the news.\n\n"
                        "More text.\n\nand later ]] the end.", before=True))),
    both(Case("unterminated-unsubscribe", with_link("Leave: [[unsubscribe_url\n\nBye."))),
    both(Case("nested-brackets", with_link("Hi [[[[first_name]]]] and [[ [[first_name]] ]]."))),
    both(Case("unterminated-title", with_link("Body."), title="Hi [[first_name|",
              front={"subject": "Hi [[unsubscribe_url", "preheader": "[[first_name|x"})),
    both(Case("unterminated-event", with_link("Body."),
              front={**EVENT, "Location": "[[first_name|", "call-script-text": "Say [[first_name"})),
    both(Case("unterminated-in-link", with_link("[a [[first_name|](https://example.org/x]])\n"
                                                "[[unsubscribe_url|]]"))),
]

# -- d. service template syntax ---------------------------------------------------------

FORMS = {
    "django": "{{ subscriber.email }}",
    "tag": '{% now "Y" %}',
    "entities": "&#123;&#123; subscriber.email &#125;&#125;",
    "backslashes": r"\{\{ subscriber.email \}\}",
    "lbrace": "&lbrace;&lbrace; subscriber.email &rbrace;&rbrace;",
    "lone-block": "a lone {% here",
    "verbatim": "{% verbatim %}{{ subscriber.email }}{% endverbatim %}",
    "endraw": "{% endraw %}{{ subscriber.email }}{% raw %}",
    "go-escape": '{{"{{"}} subscriber.email }}',
    "mailchimp": "*|EMAIL|*",
    "mailchimp-entities": "*&#124;EMAIL&#124;*",
    "mailerlite": "{$email}",
    "comment": "{# comment",
    "closers": "%} }} #}",
    "long": "{{ " + "x" * 250 + " }} {{ subscriber.email }}",
    "split": "{<span></span>{ subscriber.email }}",
    "split-bold": "{<b>{</b> subscriber.email }}",
    "brace-tag": "{[[unsubscribe_url]]} {[[first_name|friend]]} {%[[first_name]]",
    "sendy": "[Email] [Name,fallback=x] [currentyear]",
    "sendy-more": "[email] [Company Name,fallback=x] [unsubscribe] [Field,fallback=unclosed",
    "sendy-nested": "[[Email]] [Company,fallback=[[first_name|friend]]] [[first_name]]",
    "sendy-split": "[<b>Company</b>,fallback=x] [<b>Email</b>]",
    "sendy-reference": "[Email][] and [Name] [1]\n\n[1]: https://example.org/ref",
    "mailchimp-around-tag": "*|[[unsubscribe_url]]|* *|[[first_name|friend]]",
    "wrapped-placeholder": "{{ [[first_name]] }} {$[[unsubscribe_url]]} {% [[first_name|x]] %}",
}
PAYLOAD = ('{{ subscriber.email }} {% now "Y" %} {# c #} *|EMAIL|* {$email} [Email] '
           "&#123;&#123; subscriber.email &#125;&#125; \\{\\{ subscriber.email \\}\\} "
           "[Name,fallback=x]")
SHORT = "{{subscriber.email}}"     # for where spaces can't go
CASES_D = [both(Case(f"syntax-body-{name}", with_link(f"Text {form} text."))) for name, form in FORMS.items()]
CASES_D += [
    both(Case("syntax-title", with_link("Body."), title=f"Title {PAYLOAD}")),
    # The preview line is cut at 140 characters: never inside a marker.
    both(Case("syntax-first-words", with_link("{{ subscriber.email }}{{ subscriber.email }}"
                                              "{{ subscriber.email }} hello"))),
    both(Case("placeholder-first-words", with_link(
        "[[first_name|friend]][[first_name|friend]][[first_name|friend]] hello"))),
    both(Case("syntax-subject", with_link("Body."), front={"subject": f"Subject {PAYLOAD}"})),
    both(Case("syntax-preheader", with_link("Body."), front={"preheader": f"Pre {PAYLOAD}"})),
    both(Case("syntax-location", with_link("Body."), front={**EVENT, "Location": f"Hall {PAYLOAD}"})),
    both(Case("syntax-call-script", with_link("Body."),
              front={**EVENT, "call-script-text": f"Say {PAYLOAD}\nthen {{{{ x }}}}"})),
    both(Case("syntax-rsvp", with_link("Body."),
              front={**EVENT, "RSVP-link": f"https://example.org/rsvp?e={SHORT}&m=*|EMAIL|*"})),
    both(Case("syntax-main-image", with_link("Body."),
              front={**EVENT, "main-image": f"https://example.org/{SHORT}.jpg?{{$email}}"})),
    both(Case("syntax-link-text", with_link(f"[{PAYLOAD}](https://example.org/a)"))),
    both(Case("syntax-link-url", with_link(
        f"[a](https://example.org/a?e={SHORT}) [b](<https://example.org/b?e={{{{ subscriber.email }}}}>) "
        f"[c](https://example.org/c?m=*|EMAIL|*) [d](https://example.org/d?{{$email}})"))),
    both(Case("syntax-image-alt", with_link(f"![Alt {PAYLOAD}](https://example.org/i.png)"))),
    both(Case("syntax-table-cell", with_link(
        "| a | b |\n|---|---|\n| {{ subscriber.email }} | {% now \"Y\" %} |\n"
        "| &#123;&#123; subscriber.email &#125;&#125; | {$email} |"))),
    both(Case("syntax-code", with_link(f"```\n{PAYLOAD}\n```\n\nInline `{PAYLOAD}` code.\n\n"
                                       f"    indented {PAYLOAD}"))),
    both(Case("syntax-blockquote", with_link(f"> {PAYLOAD}\n> > {PAYLOAD}"))),
    both(Case("syntax-list-item", with_link(f"* {PAYLOAD} [sign]({LINK2})"))),
    both(Case("syntax-raw-html", with_link(
        f'<p title="{{{{ subscriber.email }}}}">{PAYLOAD}</p>'
        f'<a href="https://example.org/h?{{{{subscriber.email}}}}">h</a>'))),
]

# -- e. raw HTML --------------------------------------------------------------------

RAW = {
    "script": "<script>alert(1)</script>",
    "img-onerror": "<img src=x onerror=alert(1)>",
    "a-javascript": '<a href="javascript:alert(1)">x</a>',
    "a-tab-javascript": '<a href="jav&#x09;ascript:alert(1)">x</a>',
    "a-entity-javascript": '<a href="&#106;avascript:alert(1)">x</a> [m](JaVaScRiPt:alert(1))',
    "svg-script": "<svg><script>alert(1)</script></svg>",
    "math": '<math><mtext><table><mglyph><style><img src=x onerror=alert(1)></style></mglyph></table></mtext></math>',
    "iframe": '<iframe src="https://evil.example/x"></iframe> <iframe src="javascript:alert(1)"></iframe>',
    "object": '<object data="https://evil.example/x.swf"></object><embed src="https://evil.example/e">',
    "form": '<form action="https://evil.example/"><input name=a><button>go</button></form>',
    "base": '<base href="https://evil.example/">',
    "meta-refresh": '<meta http-equiv="refresh" content="0;url=https://evil.example/">',
    "style-import": "<style>@import url(https://evil.example/x.css);</style>",
    "style-url": '<div style="background:url(javascript:alert(1))">x</div>'
                 '<span style="color:red;behavior:url(x.htc);width:expression(alert(1))">y</span>',
    "mso-comment": "<!--[if mso]><script>alert(1)</script><![endif]-->",
    "unclosed": "<b><i><a href=\"https://example.org/u\">unclosed <table><tr><td>cell",
    "mjml-injection": "</mj-text><mj-raw><script>alert(1)</script></mj-raw><mj-text>",
    "cdata-end": "]]> <![CDATA[ <script>alert(1)</script> ]]>",
    "data-url": '<a href="data:text/html,<script>alert(1)</script>">d</a>'
                '<img src="data:image/svg+xml,<svg onload=alert(1)>" alt="svg">',
    "vbscript": '<a href="vbscript:msgbox(1)">v</a> <a href=" &#14;javascript:alert(1)">w</a>',
    "md-javascript": "[a](javascript:alert(1)) [b]( javascript:alert(1)) <javascript:alert(1)> "
                     "[c](&#106;avascript:alert(1)) [d](javascript&colon;alert(1)) [e][r]\n\n"
                     "[r]: vbscript:msgbox(1)",
    "md-attr-break": '[a](<https://example.org/" onmouseover="alert(1)>) '
                     '![i](https://example.org/i.png "x\\" onerror=\\"alert(1)")',
    "md-heading-html": "# Head <img src=x onerror=alert(1)>\n\n| <b onclick=x>c</b> | d |\n|---|---|\n"
                       "| <script>alert(1)</script> | <a href=javascript:x>e</a> |",
    "noscript-mxss": '<noscript><p title="</noscript><img src=x onerror=alert(1)>"></noscript>',
}
CASES_E_FRONT = [
    both(Case("html-front-mjml", with_link("Body."),
              title="</mj-text><mj-raw><script>alert(1)</script></mj-raw><mj-text>",
              front={**EVENT, "Location": "</mj-text><mj-raw><script>alert(1)</script></mj-raw>",
                     "subject": "<script>alert(1)</script>", "preheader": "--><script>x</script>",
                     "call-script-text": "]]><script>alert(1)</script><![CDATA["})),
    both(Case("html-front-urls", with_link("Body."),
              front={**EVENT, "RSVP-link": "javascript:alert(1)",
                     "main-image": 'https://example.org/x.jpg" onerror="alert(1)'})),
    both(Case("html-front-urls-2", with_link("Body."),
              front={**EVENT, "RSVP-link": 'https://example.org/r" onclick="alert(1)',
                     "main-image": "data:text/html,<script>alert(1)</script>"})),
]
CASES_E = CASES_E_FRONT + [both(Case(f"html-{name}", with_link(f"Before.\n\n{html}\n\nAfter.", before=True)))
           for name, html in RAW.items()]
CASES_E += [both(Case(f"html-inline-{name}", with_link(f"Text {RAW[name]} text.", before=True)))
            for name in ("script", "img-onerror", "mso-comment", "mjml-injection", "a-tab-javascript")]

# -- f. footer removal ---------------------------------------------------------------

ENDINGS = {
    "div": "<div>unclosed div",
    "table": "<table><tr><td>unclosed table",
    "comment": "<!-- unclosed comment",
    "cdata": "<![CDATA[ unclosed cdata",
    "title": "<title>unclosed title",
    "textarea": "<textarea>unclosed textarea",
    "xmp": "<xmp>unclosed xmp",
    "plaintext": "<plaintext>unclosed plaintext",
    "style": "<style>unclosed style",
    "inline-comment": "Text <!-- unclosed inline comment",
    "fence": "```\nunclosed fence <div>",
    "html-block-open": "<div>\n\n<table><tr><td>\n\n* item",
}
CASES_F = [both(Case(f"ending-{name}", with_link("", before=True) + end))
           for name, end in ENDINGS.items()]
CASES_F += [
    both(Case("nested-300-divs", with_link("", before=True) + "<div>" * 300 + "deep")),
    both(Case("nested-300-closed", with_link("<div>" * 300 + "deep" + "</div>" * 300))),
    both(Case("nested-300-tables", with_link("", before=True) + "<table><tr><td>" * 300 + "deep")),
    both(Case("nested-1000-divs", with_link("", before=True) + "<div>" * 1000 + "deep")),
    both(Case("nested-300-quotes", with_link("> " * 300 + "deep", before=True))),
    both(Case("nested-300-lists", with_link("\n".join("  " * i + "* level" for i in range(300)),
                                            before=True))),
]

# -- g. control characters -------------------------------------------------------------

CONTROLS = {"nul": "\x00", "bel": "\x07", "esc": "\x1b", "del": "\x7f", "nel": "\x85",
            "lsep": "\u2028"}


FIELDS = ("title", "subject", "preheader", "Location", "call-script-text")


def _controlled(case_id: str, chars: str, fields: tuple, body: bool) -> Case:
    """`chars` in each of `fields` (YAML-escaped, so they reach the value)
    and, if `body`, raw in the Markdown body."""
    value = f"a{chars}b"
    front = {**EVENT, **{key: f"{key} {value}" for key in fields if key != "title"}}
    title = f"Title {value}" if "title" in fields else "Hostile issue"
    text = f"Body {value} text." if body else "Body."
    return both(Case(case_id, with_link(text), front=front, title=title))


CASES_G = [_controlled(f"control-{name}-front", char, FIELDS, body=False)
           for name, char in CONTROLS.items()]
CASES_G += [_controlled(f"control-all-in-{key}", "".join(CONTROLS.values()), (key,), body=False)
            for key in FIELDS]
CASES_G += [
    _controlled("control-nul-body", "\x00", (), body=True),
    _controlled("control-all-but-nul-body", "".join(CONTROLS.values())[1:], (), body=True),
]
# Raw in the file, not YAML-escaped: YAML refuses most of these itself.
CASES_G += [both(Case(f"control-{name}-raw-subject", with_link("Body."),
                      raw_front=f"subject: 'Raw {char} subject'\n"))
            for name, char in CONTROLS.items()]

CASES = CASES_A + CASES_B + CASES_C + CASES_D + CASES_E + CASES_F + CASES_G
assert len({c.id for c in CASES}) == len(CASES)


# -- running ------------------------------------------------------------------------

@dataclass
class Outcome:
    code: int
    output: str
    built: safety.Built | None


def run_build(runner, workspace, case_text: str, platform: str, inliner: str) -> Outcome:
    (workspace / "newsletter.toml").write_text(safety.workspace_toml(inliner))
    write_issue(workspace, NAME, case_text)
    result = runner.invoke(main, ["build", "--platform", platform])
    output = result.output
    # Nothing escaped click: no traceback, whatever the input.
    assert result.exception is None or isinstance(result.exception, SystemExit), \
        (type(result.exception), result.exception, output)
    assert "Traceback" not in output, output
    folder = workspace / "build" / STEM
    if result.exit_code != 0:
        assert re.search(rf"^(Error: )?issues/{re.escape(NAME)}(:\d+)?: (error: )?\S",
                         output, re.M), output
        assert not folder.exists(), "a refused build wrote its folder"
        return Outcome(result.exit_code, output, None)
    subject = re.search(r"^  subject: (.*)$", output, re.M)
    built = safety.Built(platform, (folder / "email.html").read_text(encoding="utf-8"),
                         (folder / "email.txt").read_text(encoding="utf-8"),
                         subject.group(1) if subject else None)
    return Outcome(0, output, built)


def record(case_id: str, platform: str, inliner: str, outcome: Outcome) -> None:
    path = os.environ.get("NEWSLETTER_HOSTILE_STATS")
    if not path:
        return
    if outcome.code == 0:
        what = "built"
    elif "[unsafe-output]" in outcome.output:
        what = "refused-by-gate"
    else:
        what = "refused"
    with open(path, "a", encoding="utf-8") as fh:
        fh.write(f"{case_id}\t{platform}\t{inliner}\t{what}\n")


def check_case(runner, workspace, case: Case, platform: str, inliner: str) -> Outcome:
    text = issue_text(case)
    outcome = run_build(runner, workspace, text, platform, inliner)
    record(case.id, platform, inliner, outcome)
    if outcome.built is not None:
        # Marker look-alikes may show only as the issue itself has them.
        found = safety.problems(outcome.built, list(case.links), [text])
        assert not found, found
    return outcome


# Known bugs as strict xfails: case id -> (platforms, or None for all; reason).
MJML_CONTROL = ("a control character from the front matter (title, subject, preheader, "
                "Location, call-script-text) reaches MJML: 'Error: email.mjml: MJML could not "
                "be compiled', a message without the issue's path or line")
BRACE_TAG = ("'{' typed right before a placeholder makes '{{{ tag }}}': the service's "
             "template engine fails on the email (Django TemplateSyntaxError, Liquid "
             "syntax error, Go parse error), and the gate lets it through")
FIRST_WORDS = ("the preview line (no preheader) is cut at 140 characters inside a marker: "
               "'PHQ' and a nonce digit reach the HTML's hidden preheader, e.g. 'PHQb…'")
RECURSION = ("deeply nested raw HTML (300 <table><tr><td>, 1000 <div>) raises RecursionError "
             "in source/markup.py _fix_urls: a traceback instead of a path:line error")
KNOWN: dict = {}   # all the bugs first listed here are fixed; each case now must pass


def matrix(platforms) -> list:
    params = []
    for case in CASES:
        for platform in platforms:
            marks = []
            if case.id in KNOWN:
                where, reason = KNOWN[case.id]
                if where is None or platform in where:
                    marks.append(pytest.mark.xfail(strict=True, reason=reason))
            params.append(pytest.param(case, platform, marks=marks, id=f"{case.id}-{platform}"))
    return params


@pytest.mark.parametrize("case,platform", matrix(PLATFORMS))
def test_hostile_css_inline(runner, workspace, case, platform):
    check_case(runner, workspace, case, platform, "css-inline")


@pytest.mark.parametrize("case,platform", matrix(PREMAILER_SUBSET))
def test_hostile_premailer(runner, workspace, case, platform):
    check_case(runner, workspace, case, platform, "premailer")


@pytest.mark.slow
@pytest.mark.parametrize("case,platform", matrix(sorted(set(PLATFORMS) - set(PREMAILER_SUBSET))))
def test_hostile_premailer_all(runner, workspace, case, platform):
    check_case(runner, workspace, case, platform, "premailer")


# -- known bugs, one focused test each -------------------------------------------------
#
# The renderer is meant to escape everything, so that the gate (render/gate.py)
# never has to refuse: its message says "The renderer should never make this;
# please report it as a bug". Each case below is refused by the gate today (the
# hostile property holds: nothing unsafe is written), or fails worse. Each
# passes once the build either writes a safe email or reports a path:line error
# of its own, without the gate.

def build_one(runner, workspace, text: str, platform: str, inliner: str = "css-inline"):
    (workspace / "newsletter.toml").write_text(safety.workspace_toml(inliner))
    write_issue(workspace, NAME, text)
    return runner.invoke(main, ["build", "--platform", platform])


def assert_no_gate(result, text: str, platform: str, workspace) -> None:
    assert result.exception is None or isinstance(result.exception, SystemExit), \
        repr(result.exception)
    assert "[unsafe-output]" not in result.output, result.output
    if result.exit_code == 0:
        folder = workspace / "build" / STEM
        built = safety.Built(platform, (folder / "email.html").read_text(encoding="utf-8"),
                             (folder / "email.txt").read_text(encoding="utf-8"))
        assert not safety.problems(built, [], [text])
    else:
        assert re.search(rf"issues/{re.escape(NAME)}:\d+: ", result.output), result.output


def simple(body: str, front: str = "") -> str:
    return f"---\ntitle: Known bug\ndate: 2026-01-05\n{front}---\n\nFirst line.\n\n{body}\n"


GATE_BUGS = [
    ("handlebars-brevo", "brevo", simple("Use {{{ name }}} in Handlebars."),
     "brevo: the text part's ZWNJ escape of '{{{ name }}}' leaves '{‌{{ name }}}', "
     "which holds '{{'; also '{{{{'"),
    ("c1-control-body", "generic", simple("Don\x92t miss it."),
     "a C1 control (U+0080-U+009F, e.g. U+0092 from Windows-1252 text) in the body is "
     "not removed like C0 controls (reader.prepare), and the gate refuses it"),
    ("escaped-placeholder", "mailchimp", simple(r"Type \[\[first_name\]\] to greet readers."),
     "a placeholder typed with Markdown escapes (or &#91;&#91;) to show the syntax becomes "
     "'[[first_name]]' after parsing, and the gate refuses it as unresolved"),
    ("split-literal", "buttondown", simple("Type {<b>{</b> subscriber.email }} here."),
     "'{<b>{</b> x }}': the text part joins the pieces into '{{ x }}', unescaped"),
    ("wrapped-placeholder", "generic", simple("{{ [[first_name]] }}"),
     "a placeholder inside template-like text ('{{ [[first_name]] }}') leaves the "
     "placeholder's marker, nonce and all, inside the literal's, in the output"),
    ("mailchimp-before-tag", "mailchimp", simple("*|[[first_name|friend]]"),
     "'*|' before a placeholder makes '*|*|IF:FNAME|*...', a stray '*|'"),
    ("del-in-title", "kit", simple("Body.", front='subject: "a\\x7fb"\n'),
     "U+007F (and U+0085) in front matter reach every part"),
    ("placeholder-in-rsvp", "kit", simple("Body.", front="event-start-date: 2026-02-01 10:00\n"
                                          "RSVP-link: https://example.org/rsvp?n=[[first_name]]\n"),
     "a placeholder in RSVP-link is neither made a tag nor reported (only literals are "
     "marked in it): '[[first_name]]' reaches the output"),
    ("odd-char-in-rsvp", "generic", simple("Body.", front="event-start-date: 2026-02-01 10:00\n"
                                           "RSVP-link: \"https://example.org/\\U0001287a/\"\n"),
     "mjml-python 1.4.2 writes some characters (U+00A0 too) in attribute values as Rust escapes: "
     "RSVP-link https://example.org/\U0001287a/ becomes href='https://example.org/\\u{1287a}/'"),
    ("real-nonce", "buttondown", simple(
        "Hi " + _new("p", "first_name|<script>alert(1)</script>", NONCE)),
     "refuse_nonce (content/placeholders.py) is never called: text holding this "
     "process's nonce is decoded as a marker, here a fallback holding <script>"),
]


@pytest.mark.parametrize("platform,text", [
    pytest.param(platform, text, id=bug_id) for bug_id, platform, text, _ in GATE_BUGS])
def test_renderer_escapes_without_the_gate(runner, workspace, platform, text):
    assert_no_gate(build_one(runner, workspace, text, platform), text, platform, workspace)


@pytest.mark.parametrize("platform", ["mailchimp", "kit"])
def test_premailer_keeps_the_footer_after_deep_nesting(runner, workspace, platform):
    text = simple("<div>" * 250 + "deep")
    result = build_one(runner, workspace, text, platform, "premailer")
    assert "footer template" not in result.output, result.output
    assert_no_gate(result, text, platform, workspace)


def test_control_character_in_front_matter_is_named_by_line(runner, workspace):
    result = build_one(runner, workspace, simple("Body.", front='subject: "a\\x07b"\n'), "generic")
    assert "MJML could not be compiled" not in result.output, result.output
    assert result.exit_code == 0 or f"issues/{NAME}:4: " in result.output, result.output


def test_raw_control_character_in_front_matter_is_reported_at_its_line(runner, workspace):
    result = build_one(runner, workspace, simple("Body.", front="subject: 'a\x07b'\n"), "generic")
    # Removed with a warning, or refused; either way at the line holding it.
    assert f"issues/{NAME}:4: " in result.output, result.output


@pytest.mark.parametrize("body", ["<table><tr><td>" * 300 + "deep", "<div>" * 1000 + "deep"],
                         ids=["300-tables", "1000-divs"])
def test_deep_nesting_is_no_traceback(runner, workspace, body):
    result = build_one(runner, workspace, simple(body), "generic")
    assert result.exception is None or isinstance(result.exception, SystemExit), \
        repr(result.exception)


@pytest.mark.parametrize("platform", ["buttondown", "kit", "listmonk"])
def test_brace_before_a_placeholder_keeps_the_template_valid(runner, workspace, platform):
    text = simple("Leave {[[unsubscribe_url]]} whenever you like.")
    result = build_one(runner, workspace, text, platform)
    assert_no_gate(result, text, platform, workspace)


SENDY_TYPED = ("---\ntitle: Hello [Name] issue\ndate: 2026-01-05\npreheader: Hi [Email]\n"
               "event-start-date: 2026-02-01 10:00\nlocation: Room [Email]\n---\n\n"
               "Your address is [Email]. Skip: [unsubscribe] [webversion] [Name,fallback=x] "
               "[Company,fallback=y] [sic].\n")
SENDY_LINES = {"'[Name]'": 2, "'[Email]'": 4, "'[unsubscribe]'": 9, "'[webversion]'": 9,
               "'[Name,fallback=x]'": 9, "'[Company,fallback=y]'": 9}


def test_sendy_tags_typed_in_the_text_are_not_evaluated(runner, workspace):
    result = build_one(runner, workspace, SENDY_TYPED, "sendy")
    assert result.exit_code == 0, result.output
    warned = {(m.group(2), int(m.group(1))) for m in re.finditer(
        r":(\d+): warning: ('[^']+') looks like sendy's template syntax", result.output)}
    assert {tag for tag, _ in warned} == set(SENDY_LINES), result.output
    assert all(SENDY_LINES[tag] == line or tag == "'[Email]'" for tag, line in warned)
    assert {line for tag, line in warned if tag == "'[Email]'"} == {4, 6, 9}
    assert "[sic]" not in " ".join(result.output.split("[template-syntax]"))
    folder = workspace / "build" / STEM
    html = (folder / "email.html").read_text(encoding="utf-8")
    text = (folder / "email.txt").read_text(encoding="utf-8")
    subject = re.search(r"^  subject: (.*)$", result.output, re.M).group(1)
    assert safety.engine_problems("sendy", html, text, subject) == []
    assert not safety.problems(safety.Built("sendy", html, text, subject))
    for typed in ("Email", "Name", "unsubscribe", "webversion"):
        assert f"&#91;{typed}&#93;" in html
        assert f"[\u200c{typed}]" in text
    assert subject == "Hello [\u200cName] issue"
    assert "Room &#91;Email&#93;" in html and "Room [\u200cEmail]" in text
    # The footer's own tags are still Sendy's, and [sic] is no tag of Sendy's.
    assert 'href="[unsubscribe]"' in html and "\nUnsubscribe: [unsubscribe]" in text
    assert "[sic]" in text


@pytest.mark.parametrize("platform", ["mailchimp", "generic", "buttondown"])
def test_sendy_like_text_stays_as_typed_elsewhere(runner, workspace, platform):
    result = build_one(runner, workspace, SENDY_TYPED, platform)
    assert result.exit_code == 0, result.output
    assert "template-syntax" not in result.output
    text = (workspace / "build" / STEM / "email.txt").read_text(encoding="utf-8")
    assert "Your address is [Email]. Skip: [unsubscribe] [webversion]" in text
    assert "Room [Email]" in text and "\u200c" not in text.split("Unsubscribe")[0]


def test_markdown_links_are_not_taken_for_sendy_tags(runner, workspace):
    body = ("[Email](https://example.org/a) and [Name][ref] and ![Alt](https://example.org/i.png)"
            "\n\n[ref]: https://example.org/b\n")
    result = build_one(runner, workspace, simple(body), "sendy")
    assert result.exit_code == 0, result.output
    html = (workspace / "build" / STEM / "email.html").read_text(encoding="utf-8")
    assert 'href="https://example.org/a"' in html and 'href="https://example.org/b"' in html
    assert "template-syntax" not in result.output


# Each of these lines took minutes: a regex in checks/text.py rescanned the
# rest of the line from every position. Run in a subprocess, so a hang is cut off.
SLOW_LINES = {
    "braces": ("{" * 30_000, "LIQUID in checks/text.py: '.*?' after each '{{' rescans the "
               "line; a line of 100 KB of '{' takes ~330 s"),
    "one-word": ("a" * 60_000, "NOT_PROSE in checks/text.py: '\\w+://' backtracks over a "
                 "long word from each position; a 100 KB word takes ~40 s"),
}


@pytest.mark.parametrize("name", sorted(SLOW_LINES))
def test_a_long_line_is_checked_in_seconds(workspace, name):
    (workspace / "newsletter.toml").write_text(safety.workspace_toml("css-inline"))
    write_issue(workspace, NAME, simple(SLOW_LINES[name][0]))
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    result = subprocess.run([sys.executable, "-m", "newsletter", "check", f"issues/{NAME}"],
                            cwd=workspace, env={**os.environ, "PYTHONPATH": root},
                            capture_output=True, text=True, timeout=8)
    assert "Traceback" not in result.stderr, result.stderr


# mjml-python 1.4.2 writes attribute values (and <mj-title>, which becomes the
# aria-label) through Rust's escape_debug: render/tokens.protect_attributes
# hands it those characters as references instead.
@pytest.mark.parametrize("title,alt", [
    ("We \u2764\ufe0f our cafe\u0301 volunteers", "Photo\u00a0: l\u2019\u00e9quipe"),
    ("\u0915\u094d\u0937\u093f \u0938\u092d\u093e", "back\\slash \U0001F469\u200d\U0001F4BB"),
    ("\u0645\u0631\u062d\u0628\u0627\u200f!", "tab\there"),
])
def test_attributes_keep_the_text_as_typed(runner, workspace, title, alt):
    text = f'---\ntitle: "{title}"\ndate: 2026-01-05\n---\n\nThanks!\n\n![{alt}](https://example.org/i.png)\n'
    result = build_one(runner, workspace, text, "mailchimp")
    assert result.exit_code == 0, result.output
    tree = safety.parse((workspace / "build" / STEM / "email.html").read_text(encoding="utf-8"))
    labels = {el.get("aria-label") for el in tree.iter() if el.get("aria-label")}
    alts = {el.get("alt") for el in tree.iter() if isinstance(el.tag, str) and el.tag == "img"}
    assert title in labels, labels
    assert alt in alts, alts


def test_emoji_zwj_sequences_survive(runner, workspace):
    emoji = "\U0001F469\u200d\U0001F4BB"
    result = build_one(runner, workspace, simple(f"Our {emoji} team."), "generic")
    assert result.exit_code == 0, result.output
    assert f"Our {emoji} team." in (workspace / "build" / STEM / "email.txt").read_text(encoding="utf-8")


# -- the checks themselves ------------------------------------------------------------

GOOD_HTML = (f'<!doctype html><html><body><p>{safety.POSTAL}</p>'
             f'<a href="{{{{ unsubscribe_url }}}}">Unsubscribe</a> <a href="{LINK}">r</a></body></html>')
GOOD_TEXT = f"{safety.POSTAL}\nUnsubscribe: {{{{ unsubscribe_url }}}}\n{LINK}\n"


@pytest.mark.parametrize("html,text,expected", [
    (GOOD_HTML.replace("<p>", "<p><script>x</script>"), GOOD_TEXT, "<script> element"),
    (GOOD_HTML.replace("<p>", '<!--[if mso]><img src=x onerror="y"><![endif]--><p>'), GOOD_TEXT,
     "onerror= on <img>"),
    (GOOD_HTML.replace("<p>", '<a href=" java\tscript:x">a</a><p>'), GOOD_TEXT, "in <a href>"),
    (GOOD_HTML.replace("<p>", '<svg><a xlink:href="javascript:x">a</a></svg><p>'), GOOD_TEXT,
     "in <a href>"),
    (GOOD_HTML.replace("<p>", '<meta http-equiv="Refresh" content="0"><p>'), GOOD_TEXT, "refresh"),
    (GOOD_HTML.replace(safety.POSTAL, ""), GOOD_TEXT, "postal address missing from the HTML"),
    (GOOD_HTML, GOOD_TEXT.replace("{{ unsubscribe_url }}", ""), "missing from email.txt"),
    (GOOD_HTML.replace(f'href="{LINK}"', 'href="x"'), GOOD_TEXT, f"link {LINK} is not an href"),
    (GOOD_HTML, GOOD_TEXT + "{{ subscriber.email }}", "prints the canary"),
    (GOOD_HTML, GOOD_TEXT + "{% now %}", "engine fails"),
    (GOOD_HTML, GOOD_TEXT + "PHQ0123abcQHP", "a marker"),
    (GOOD_HTML, GOOD_TEXT + "PHQ9…", "a marker"),
    (GOOD_HTML, GOOD_TEXT + "\x1b", "control character"),
])
def test_the_checks_catch_what_they_should(html, text, expected):
    assert not safety.problems(safety.Built("buttondown", GOOD_HTML, GOOD_TEXT), [LINK])
    found = safety.problems(safety.Built("buttondown", html, text), [LINK])
    assert any(expected in f for f in found), found


def test_the_service_scanners_catch_what_they_should():
    listmonk = safety.engine_problems("listmonk", "", 'a {{"{{"}} b {{ UnsubscribeURL }} {{ .X }}', None)
    assert len(listmonk) == 2 and "{{ .X }}" in listmonk[0]
    assert safety.engine_problems("listmonk", "", 'a {{"{{"}} b {{ UnsubscribeURL }}', None) == []
    assert safety.engine_problems("mailchimp", "*|UNSUB|* *|IF:FNAME|**|FNAME|**|ELSE:|*x*|END:IF|*",
                                  "", None) == []
    assert safety.engine_problems("mailchimp", "*|EMAIL|*", "", None)
    assert safety.engine_problems("kit", "", "{{ subscriber.email }}", None)
    assert safety.engine_problems("kit", "", '{{ "{{" }} subscriber.email }}', None) == []
