"""The plaintext part: 72 columns, underlined headings, numbered actions with
URLs, [n] references, never two blank lines in a row."""
import re
from pathlib import Path

import pytest

from newsletter.config import Config
from newsletter.content.reader import build_content
from newsletter.errors import Problems
from newsletter.source.issue import read_issue
from newsletter.content.placeholders import Placeholder, mark
from newsletter.render.text import render_text

CONFIG = Config(org_name="Test Group", postal_address="1 Test St, Testville",
                site_url="https://example.org/")
# What may start an over-long line: an indent and a marker such as "[3]",
# ">", "RSVP:" or "Donate:"; after it must come one unbreakable token.
MARKER = re.compile(r"^\s*(?:\[\d+\]|>|[\w .()]{1,40}:|-|\d+\.)?\s*")   # "Outlook.com:"


def rule_violations(text: str) -> list[str]:
    """Lines that break the plaintext rules (shared with the corpus test)."""
    found = ["two blank lines in a row"] if "\n\n\n" in text else []
    for line in text.split("\n"):
        if len(line) > 72 and " " in MARKER.sub("", line, count=1).strip():
            found.append(f"over 72 columns: {line!r}")
        if line != line.rstrip():
            found.append(f"trailing space: {line!r}")
    return found


def text_for(tmp_path, body, front="title: Plain text\ndate: 2026-01-05\n"):
    path = tmp_path / "2026-01-05-plain.md"
    path.write_text(f"---\n{front}---\n{body}", encoding="utf-8")
    return render_text(build_content(read_issue(path), CONFIG, Problems()), CONFIG)


LONG = ("We will meet at the library on Tuesday evening to plan the spring cleanup "
        "of the river path, and everyone is welcome, including children and dogs on leads. ")


def test_paragraphs_wrap_at_72_but_urls_stay_whole(tmp_path):
    url = "https://example.org/" + "very-long-path/" * 8
    text = text_for(tmp_path, f"{LONG * 3}\n\nSee {url} for the map.\n\n> {LONG * 2}\n\n    code {LONG}\n")
    assert not rule_violations(text), rule_violations(text)
    assert url in text.split("\n") or any(line.endswith(url) for line in text.split("\n"))
    assert max(len(l) for l in text.split("\n") if url not in l) <= 72


def test_headings_are_underlined(tmp_path):
    text = text_for(tmp_path, "Intro.\n\n## Get involved\n\nText.\n\n### Read more\n\nMore.\n")
    lines = text.split("\n")
    title = lines.index("Plain text")
    assert lines[title + 1] == "=" * len("Plain text")
    for heading in ("Get involved", "Read more"):
        at = lines.index(heading)
        assert lines[at + 1] == "-" * len(heading)


def test_action_items_are_numbered_with_their_url(tmp_path):
    body = ("* Sign the letter [HERE](https://example.org/letter).\n"
            "* Call the mayor, script at [the call sheet](https://example.org/calls).\n\n"
            "## More\n\n* Donate [here](https://example.org/donate) for supplies.\n")
    text = text_for(tmp_path, body)
    # The label already begins the item: only the address is added.
    assert re.search(r"^1\. Sign the letter HERE\.\n   > https://example\.org/letter$", text, re.M)
    assert re.search(r"^2\. Call the mayor.*\n   > The call sheet: https://example\.org/calls$", text, re.M)
    # A new section counts its actions from 1 again.
    assert re.search(r"^1\. Donate here for supplies\.\n   > https://example\.org/donate$", text, re.M)
    assert not re.search(r"^3\. ", text, re.M)


def test_other_links_are_numbered_references_per_section(tmp_path):
    body = ("Read [the plan](https://example.org/plan) and [the map](https://example.org/map), "
            "then [the plan](https://example.org/plan) again.\n\n## Next\n\nSee [minutes](https://example.org/min).\n")
    text = text_for(tmp_path, body)
    assert "Read the plan [1] and the map [2], then the plan [1] again." in text
    first, second = text.split("Next\n----")
    assert "[1] https://example.org/plan\n[2] https://example.org/map" in first
    assert "minutes [1]" in second and "[1] https://example.org/min" in second


def test_bare_links_are_not_referenced_twice(tmp_path):
    text = text_for(tmp_path, "Go to <https://example.org/x> or mail <a@example.org>.\n")
    assert "Go to https://example.org/x or mail a@example.org." in text
    assert "[1]" not in text


def test_never_two_blank_lines(tmp_path):
    body = ("Intro.\n\n\n\n<script>x</script>\n\n<div></div>\n\n---\n\n\n* \n\n"
            "Line one  \n  \nLine two<br><br><br>three\n\n> \n>\n> quoted\n\n```\n\n\n\ncode\n```\n")
    text = text_for(tmp_path, body)
    assert "\n\n\n" not in text
    assert not rule_violations(text)


def test_event_block_in_text(tmp_path):
    front = ("title: Rally\ndate: 2026-05-01\nevent-start-date: 2026-05-16 10:00:00 -04:00\n"
             "Location: The bandstand\nRSVP-link: https://example.org/rsvp\n"
             "call-script-text: Hello, I live in town and I support the budget.\n")
    text = text_for(tmp_path, "Come along.\n", front=front)
    assert "When: Saturday, May 16, 2026" in text
    assert "Where: The bandstand" in text and "RSVP: https://example.org/rsvp" in text
    assert "Call script:\n  Hello, I live in town" in text


def test_footer_has_address_and_unsubscribe(tmp_path):
    text = text_for(tmp_path, "Hi.\n")
    tag = mark(Placeholder("unsubscribe_url"))   # the service's tag is written later
    assert text.rstrip().endswith("1 Test St, Testville\nUnsubscribe: " + tag)


@pytest.mark.parametrize("case", sorted(p.stem for p in (Path(__file__).parent / "golden").glob("*.md")))
def test_golden_texts_follow_the_rules(case):
    text = (Path(__file__).parent / "golden" / f"{case}.txt").read_text()
    assert not rule_violations(text)


def test_seed_text_follows_the_rules(seed):
    text = render_text(build_content(read_issue(seed), CONFIG, Problems()), CONFIG)
    assert not rule_violations(text)
    # The intro's "Click HERE" paragraph (a card of its own) and the four
    # actions of the first list; the second list mixes actions and links, so
    # it keeps its bullets throughout.
    assert len(re.findall(r"^\d+\. ", text, re.M)) == 5


def test_a_compact_roundup_reads_as_a_list_with_urls(tmp_path):
    """A long roundup is a plain list in the HTML: no action numbers in the text,
    each story's address on the line below it, no references to hunt for."""
    body = "".join(f"* *Outlet {i}:* [Story number {i}](https://example.org/s{i}) today\n"
                   for i in range(15))
    text = text_for(tmp_path, body)
    assert re.search(r"^- Outlet 3: Story number 3 today\n  https://example\.org/s3$", text, re.M)
    assert not re.search(r"^\d+\. ", text, re.M) and "[1]" not in text
    assert not rule_violations(text)


def test_a_scheme_less_address_is_printed_as_its_url_not_a_reference(tmp_path):
    text = text_for(tmp_path, "Visit www.example.org/page today.\n")
    assert "Visit https://www.example.org/page today." in text and "[1]" not in text


def test_numbers_in_the_text_match_what_the_html_shows(tmp_path):
    body = ("> Quoted:\n>\n> - a quoted item with [a link](https://example.org/q) to read\n\n"
            "1. First, [sign it](https://example.org/s) today\n2. Second, nothing to click\n")
    text = text_for(tmp_path, body)
    # The quote's list is plain bullets in the HTML: no action number here.
    assert re.search(r"^> - a quoted item with a link to read\n>   https://example\.org/q$", text, re.M)
    # One list, one kind of marker: the writer's own numbers, the plain item included.
    assert re.search(r"^1\. First, sign it today\n   > Sign it: https://example\.org/s$", text, re.M)
    assert re.search(r"^2\. Second, nothing to click$", text, re.M)


def test_footer_offers_the_web_version_when_the_platform_has_one(tmp_path):
    path = tmp_path / "2026-01-05-plain.md"
    path.write_text("---\ntitle: Plain text\ndate: 2026-01-05\n---\nHi.\n", encoding="utf-8")
    for platform, expected in (("mailchimp", True), ("kit", False)):
        config = Config(org_name="Test", platform=platform)
        text = render_text(build_content(read_issue(path), config, Problems()), config)
        tag = mark(Placeholder("view_online_url"))
        assert ("View in your browser: " + tag in text) is expected


def test_mailto_links_read_as_addresses_unless_they_carry_a_subject(tmp_path):
    text = text_for(tmp_path, "Write to [us](mailto:hi@example.org) or "
                              "[the desk](mailto:desk@example.org?subject=Tip).\n")
    assert "[1] hi@example.org" in text
    assert "[2] mailto:desk@example.org?subject=Tip" in text


def test_wrapping_measures_a_placeholder_as_readers_see_it(tmp_path):
    text = text_for(tmp_path, "Hello [[first_name|friend]], " + LONG + "\n")
    first = next(line for line in text.splitlines() if line.startswith("Hello"))
    # "Hello friend, ..." fills the line as the reader will see it, even though
    # the internal placeholder is about 40 characters long.
    seen = first.replace(first.split(",")[0], "Hello friend")
    assert 60 < len(seen) <= 72


def test_action_numbers_restart_in_each_section_and_bullets_stay(tmp_path):
    body = ("* Call the mayor, script at [the call sheet](https://example.org/calls).\n"
            "* Write to the board with [our letter](https://example.org/letter) as a start.\n\n"
            "## Next week\n\n"
            "* Bring a friend.\n* Bring a chair.\n\n"
            "- [Opening hours](https://example.org/hours)\n"     # another marker: another list
            "- Learn how to run a drive with [the kit](https://example.org/kit) today.\n\n"
            "+ Donate [to the fund](https://example.org/fund) before Friday.\n"
            "+ Share [the flyer](https://example.org/flyer) with neighbours.\n")
    text = text_for(tmp_path, body)
    first, second = text.split("Next week\n---------")
    assert re.findall(r"^\d+\.", first, re.M) == ["1.", "2."]
    # A plain bullet list, a list mixing a link and an action (bullets
    # throughout), then a list of actions counted from 1 again.
    markers = re.findall(r"^(-|\d+\.) (\w+)", second, re.M)
    assert markers == [("-", "Bring"), ("-", "Bring"), ("-", "Opening"), ("-", "Learn"),
                       ("1.", "Donate"), ("2.", "Share")]


def test_a_card_label_is_not_printed_twice(tmp_path):
    body = ("* Find your rep [with this tool](https://example.org/rep) and call them.\n"
            "* [Find your rep](https://example.org/rep2) and tell them why.\n")
    text = text_for(tmp_path, body)
    assert text.count("Find your rep") == 2, text
    assert re.search(r"^2\. Find your rep and tell them why\.\n   > https://example\.org/rep2$",
                     text, re.M)
