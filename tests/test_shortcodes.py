"""Hugo shortcodes become their plain content or stay visible text, never a
live tag for any service; and a 200-link roundup in these formats fits the
budget with every link in both parts."""
from __future__ import annotations

import html
import re

import pytest

from newsletter.cli import main
from newsletter.render.platforms import PROFILES
from newsletter.source.readers.shortcodes import convert

import safety
from conftest import write_issue


def run(runner, *args):
    result = runner.invoke(main, list(args))
    assert "Traceback" not in result.output, result.output
    return result


# -- what each shortcode becomes ------------------------------------------------------------

@pytest.mark.parametrize("body,expected", [
    ('{{< figure src="/a.png" caption="A *cat*" >}}',
     '<img src="/a.png" alt="A cat"><br><em>A *cat*</em>'),
    ('{{< figure src="/a.png" alt="Shed" link="https://x.example/s" title="Shed" >}}',
     '<a href="https://x.example/s"><img src="/a.png" alt="Shed"></a><br><em>**Shed**</em>'),
    ('{{< figure src="a.png" attr="Photo: Jo" attrlink="https://jo.example/" >}}',
     '<img src="a.png"><br><em>[Photo\\: Jo](<https://jo.example/>)</em>'),
    ('{{< figure src="/a.png?x=1&y=\\"2\\"" >}}', '<img src="/a.png?x=1&amp;y=&quot;2&quot;">'),
    ("{{< youtube w7Ft2ymGmfc >}}", "[Watch the video on YouTube](https://www.youtube.com/watch?v=w7Ft2ymGmfc)"),
    ('{{< youtube id="w7Ft2ymGmfc" title="The [launch]" >}}',
     "[The \\[launch\\]](https://www.youtube.com/watch?v=w7Ft2ymGmfc)"),
    ('{{< x user="Zoo" id="1453110110599868418" >}}', "[Read the post on X](https://x.com/Zoo/status/1453110110599868418)"),
    ("{{< gist spf13 7896402 >}}", "[Read the code on GitHub](https://gist.github.com/spf13/7896402)"),
    ("{{< vimeo 146022717 >}}", "[Watch the video on Vimeo](https://vimeo.com/146022717)"),
    ("{{% note %}}Bring water.{{% /note %}}", "Bring water."),
    ('{{< details summary="More *info*" >}}\nText\n{{< /details >}}', "**More \\*info\\***\nText\n"),
    ("{{< highlight go >}}\nfmt.Println(1)\n{{< /highlight >}}", "```go\nfmt.Println(1)\n```"),
    # Unclear, or not a shortcode at all: left as typed, for the leftover-liquid check.
    ("{{< signup >}}", "{{< signup >}}"),
    ('{{< ref "post.md" >}}', '{{< ref "post.md" >}}'),
    ("{{< youtube https://evil.example/x >}}", "{{< youtube https://evil.example/x >}}"),
    ("{{< figure >}}", "{{< figure >}}"),
    ("{{</* figure src=a.png */>}}", "{{</* figure src=a.png */>}}"),
    ("`{{< youtube abc >}}` is how", "`{{< youtube abc >}}` is how"),
    ("```\n{{< youtube abc >}}\n```", "```\n{{< youtube abc >}}\n```"),
    ("{{< highlight go >}}\nno end", "{{< highlight go >}}\nno end"),
    ("{% include signup.html %}", "{% include signup.html %}"),
    ("{{< youtube abc", "{{< youtube abc"),
])
def test_what_each_shortcode_becomes(body, expected):
    assert convert(body) == expected


def test_a_shortcode_keeps_its_lines():
    body = '{{< figure\n  src="/a.png"\n  caption="Two\\nlines" >}}\nafter\n{{% note %}}\nx\n{{% /note %}}'
    out = convert(body)
    assert out.count("\n") == body.count("\n")
    assert out.split("\n")[3] == "after" and out.split("\n")[5] == "x"


def test_a_line_of_openers_is_read_quickly():
    # Each opener with no closer is looked for once, not once per later opener.
    assert convert("{{< " * 200_000) == "{{< " * 200_000
    assert convert("{{< x >}}" * 50_000 + "{{<") == "{{< x >}}" * 50_000 + "{{<"
    assert convert("{{< highlight go >}}" * 20_000) == "{{< highlight go >}}" * 20_000


HUGO = """+++
title = "Shortcodes in an issue"
date = 2026-01-05
+++

{{< figure src="https://example.org/cat.png" caption="The cat" >}}

{{< signup list="weekly" >}}

{{% note %}}
Read [the notice](https://example.org/notice) before Friday.
{{% /note %}}

See [here](https://example.org/here).
"""


def test_findings_after_shortcodes_point_at_their_lines(runner, workspace):
    write_issue(workspace, "2026-01-05-sc.md", HUGO)
    result = run(runner, "check", "issues/2026-01-05-sc.md")
    out = result.output
    assert "issues/2026-01-05-sc.md:8: warning: template tag '{{< signup list=\"weekly\" >}}' " \
           "will show as text in the email [leftover-liquid]" in out
    # "here" sits alone in its paragraph, which becomes a card whose button names the place.
    assert "issues/2026-01-05-sc.md:14: info: link text \"here\"" in out
    assert out.count("[leftover-liquid]") == 1, out
    run(runner, "build", "issues/2026-01-05-sc.md")
    folder = workspace / "build" / "2026-01-05-sc"
    tree = safety.parse((folder / "email.html").read_text())
    images = [img.get("src") for img in tree.iter("img")]
    assert "https://example.org/cat.png" in images
    text = safety.visible_text(tree)
    assert "The cat" in text and "{{% note" not in text and "{{< figure" not in text
    assert '{{< signup list="weekly" >}}' in html.unescape(text)
    assert "{{< signup" in (folder / "email.txt").read_text()


# -- hostile shortcodes ---------------------------------------------------------------------

LINK = "https://example.org/report"
ATTACKS = """+++
title = "Hostile shortcodes {{< x >}}"
date = 2026-01-05
description = "Pre {{% note %}} *|FNAME|*"
+++

{{< figure src="https://example.org/a.png{{ subscriber.email }}" caption="*|EMAIL|* {{ subscriber.email }} {$email} {% if x %}y{% endif %}" >}}

{{< figure src="javascript:alert(1)" link="javascript:alert(2)" caption="</em><script>alert(3)</script>" >}}

{{< figure src="x.png" title="{{ unsubscribe_url }}" attr="[[unsubscribe_url]]" attrlink="https://example.org/{{x}}" >}}

{{% note %}}{{ subscriber.email }} and {% raw %}{{ x }}{% endraw %} and *|UNSUB|*{{% /note %}}

{{< details summary="{{ contact.FIRSTNAME }}" >}}{{< /details >}}

{{< youtube id="{{x}}" >}} {{< x user="{{a}}" id="1" >}} {{< gist "<script>" 1 >}}

{{< unknown a="{{ subscriber.email }}" b="*|FNAME|*" >}}

{{< highlight html >}}
<script>alert(4)</script> {{ subscriber.email }} {% include x %}
{{< /highlight >}}

{{< {{< {{% {{ >}} %}} {{< figure src="x.png" caption="unclosed

Read [the report](https://example.org/report) today.
"""


@pytest.mark.parametrize("platform", sorted(PROFILES))
def test_shortcode_text_never_becomes_a_live_tag(runner, workspace, platform):
    (workspace / "newsletter.toml").write_text(safety.workspace_toml("css-inline"))
    write_issue(workspace, "2026-01-05-hostile.md", ATTACKS)
    result = run(runner, "build", "--platform", platform)
    if result.exit_code != 0:   # refused, but at a line of the file and not by the gate
        assert re.search(r"^(Error: )?issues/2026-01-05-hostile\.md:\d+: ", result.output, re.M)
        assert "[unsafe-output]" not in result.output, result.output
        return
    folder = workspace / "build" / "2026-01-05-hostile"
    subject = re.search(r"^  subject: (.*)$", result.output, re.M)
    built = safety.Built(platform, (folder / "email.html").read_text(encoding="utf-8"),
                         (folder / "email.txt").read_text(encoding="utf-8"),
                         subject.group(1) if subject else None)
    assert not safety.problems(built, [LINK], [ATTACKS])


# -- large link roundups ---------------------------------------------------------------------

def roundup(links: int) -> tuple[str, list[str]]:
    """A This-Week-in-Rust-sized Pelican issue: sections of links, each with a one-line summary."""
    lines = ["Title: Gear Notes 300", "Date: 2026-03-04",
             "Summary: Two hundred links from the world of small machines.", "",
             "Hello and welcome to another issue of *Gear Notes*.", ""]
    urls = []
    for n in range(links):
        if n % 25 == 0:
            lines += ["", f"## Section {n // 25 + 1}", ""]
        url = f"https://news{n % 17}.example.com/2026/03/04/article-{n}-what-we-learnt-building-gears"
        urls.append(url)
        lines.append(f"* [Article {n}: what we learnt building gears, levers and pulleys for a year]"
                     f"({url}) - a one-line summary of article {n}, and why it matters to builders.")
    return "\n".join(lines) + "\n", urls


def test_a_200_link_roundup_fits_the_budget_and_keeps_every_link(runner, workspace):
    text, urls = roundup(200)
    write_issue(workspace, "2026-03-04-gear-notes-300.md", text)
    result = run(runner, "build", "issues/2026-03-04-gear-notes-300.md")
    assert result.exit_code == 0, result.output
    folder = workspace / "build" / "2026-03-04-gear-notes-300"
    page = (folder / "email.html").read_text()
    size = len(page.encode())
    assert size <= 85 * 1024, f"{size / 1024:.1f} KB"
    hrefs = set(safety.hrefs(safety.parse(page)))
    plain = (folder / "email.txt").read_text()
    assert not [u for u in urls if u not in hrefs or u not in plain]
    # The compact layout: a list of links, not 200 action cards with buttons.
    assert "</mj-button>" not in (folder / "email.mjml").read_text()


# "x.png" once became the host https://x.png: a file name is a relative path.
def test_relative_files_are_resolved_not_taken_for_hosts(runner, workspace):
    write_issue(workspace, "2026-01-05-a.md", "---\ntitle: Files\ndate: 2026-01-05\n---\n\n"
                '{{< figure src="x.png" caption="hi" >}}\n\n![a](x.png) [b](file.pdf) '
                "[c](docs/file.pdf) [d](../a.html) [e](example.org/page) [f](www.example.org)\n")
    result = runner.invoke(main, ["build", "--platform", "generic"])
    assert result.exit_code == 0, result.output
    html = (workspace / "build" / "2026-01-05-a" / "email.html").read_text(encoding="utf-8")
    for url in ("https://example.org/x.png", "https://example.org/file.pdf",
                "https://example.org/docs/file.pdf", "https://example.org/a.html",
                "https://example.org/page", "https://www.example.org"):
        assert f'="{url}"' in html, url
    assert "https://x.png" not in html and "https://file.pdf" not in html
    assert "'x.png' has no scheme" not in result.output
