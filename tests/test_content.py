"""Markdown and raw HTML -> Content: cards, labels, links, sanitising."""
import pytest

from newsletter.config import Config
from newsletter.content.reader import build_content
from newsletter.errors import Problems
from newsletter.source.issue import read_issue
from newsletter.source.markup import text_of, to_html

SITE = Config(site_url="https://example.org/")


def content_of(tmp_path, body, config=SITE, front="title: Test\ndate: 2026-01-05\n"):
    path = tmp_path / "2026-01-05-test.md"
    path.write_text(f"---\n{front}---\n{body}", encoding="utf-8")
    problems = Problems()
    return build_content(read_issue(path), config, problems), problems


def all_text(content):
    return "\n".join(text_of(b.nodes) + "".join(text_of(i.nodes) for i in b.items)
                     for s in content.sections for b in s.blocks)


def lists(content):
    return [b for s in content.sections for b in s.blocks if b.kind == "list"]


@pytest.mark.parametrize("ial", ['{:target="_blank"}', "{: .class}", '{:target="_blank}',
                                 "{:target=_blank}"])
def test_kramdown_attribute_lists_never_leak(tmp_path, ial):
    content, _ = content_of(tmp_path, f"See [the page](https://example.org/p){ial} now.\n{ial}\n")
    text = all_text(content)
    assert "{:" not in text and "_blank" not in text
    assert content.all_links() == ["https://example.org/p"]


def test_link_broken_across_lines_is_joined(tmp_path):
    content, _ = content_of(tmp_path, "See [the map](https://example.org/maps/\nriverside) now.\n")
    assert content.all_links() == ["https://example.org/maps/riverside"]


def test_www_links_get_https_with_a_warning(tmp_path):
    body = "Intro.\n\nVisit [us](www.example.org/a) or www.example.org/b today.\n"
    content, problems = content_of(tmp_path, body)
    assert content.all_links() == ["https://www.example.org/a", "https://www.example.org/b"]
    warned = [p for p in problems if p.id == "link-scheme"]
    assert len(warned) == 2 and all(p.line == 7 for p in warned)


def test_relative_links_resolve_against_site_url(tmp_path):
    content, problems = content_of(tmp_path, "A [photo](/photos/a.html).\n\n![Pic](/uploads/x.jpg)\n")
    assert content.all_links() == ["https://example.org/photos/a.html"]
    image = content.sections[0].blocks[1]
    assert image.kind == "images" and image.nodes[0].attrs["src"] == "https://example.org/uploads/x.jpg"
    assert not problems


def test_relative_links_without_site_url_warn(tmp_path):
    _, problems = content_of(tmp_path, "A [photo](/photos/a.html).\n", config=Config())
    assert [(p.id, p.line) for p in problems] == [("relative-link", 5)]


def test_hard_breaks_and_bold_italic(tmp_path):
    content, _ = content_of(tmp_path, "One  \ntwo ***both*** three\n")
    nodes = content.sections[0].blocks[0].nodes
    tags = [n.tag for n in nodes if not isinstance(n, str)]
    assert "br" in tags
    assert "both" in text_of(nodes) and "*" not in text_of(nodes)


def test_headings_start_sections(tmp_path):
    content, _ = content_of(tmp_path, "Intro.\n\n### First\n\nA.\n\n## Second\n\nB.\n")
    assert [text_of(s.heading.nodes) if s.heading else None for s in content.sections] == \
        [None, "First", "Second"]


@pytest.mark.parametrize("item, label", [
    ("Sign the letter to the board [HERE](https://example.org/l).", "Sign the letter to the board"),
    ("Donate [click here](https://example.org/d) to buy food.", "Donate"),
    ("Click [HERE](https://example.org/h) to learn how to help.", "Learn how"),
    ("Read about it on [the town site](https://example.org/t) today.", "The town site"),
    ("[HERE](https://example.org/x)", "Visit example.org"),
])
def test_button_labels_describe_the_action(tmp_path, item, label):
    content, _ = content_of(tmp_path, f"* {item}\n* Plain item with more words.\n")
    button = lists(content)[0].items[0].button
    if item.startswith("[HERE]"):   # only a link: a link card, no button
        assert lists(content)[0].items[0].kind == "link"
        return
    assert button.label.startswith(label)
    assert button.label.lower() not in ("here", "click here")


def test_a_long_link_list_goes_compact(tmp_path):
    body = "".join(f"* [Story {i}](https://example.org/s{i})\n" for i in range(13))
    content, _ = content_of(tmp_path, body)
    block = lists(content)[0]
    assert block.style == "compact"
    assert all(item.button is None for item in block.items)
    assert len(content.all_links()) == 13


def test_a_short_link_list_is_cards(tmp_path):
    body = "".join(f"* [Story {i}](https://example.org/s{i})\n" for i in range(12))
    content, _ = content_of(tmp_path, body)
    assert lists(content)[0].style == "cards"


def test_raw_html_is_sanitised_with_a_warning_per_drop(tmp_path):
    body = ("Safe <span style=\"color:red\">red</span> <b>b</b> <i>i</i><br>\n\n"
            "<script>alert(1)</script>\n\n"
            "<a href=\"javascript:alert(1)\">bad</a> <a href=\"https://example.org/ok\" onclick=\"x()\">ok</a>\n\n"
            "<iframe src=\"https://video.example.org/v/1\"></iframe>\n\n"
            "<img src=\"https://example.org/a.png\" alt=\"A\">\n")
    content, problems = content_of(tmp_path, body)
    blocks = content.sections[0].blocks
    html_text = repr(blocks)
    assert "alert" not in html_text and "javascript" not in html_text and "onclick" not in html_text
    assert content.all_links() == ["https://example.org/ok", "https://video.example.org/v/1"]
    kept = {n.tag for b in blocks for n in b.nodes if not isinstance(n, str)}
    assert {"span", "b", "i", "br", "img"} <= kept
    assert [(p.line, p.message.split()[0]) for p in problems] == [
        (7, "<script>"), (9, "javascript:"), (9, "event"), (11, "<iframe>")]


def test_event_front_matter(tmp_path):
    front = ("title: Rally\ndate: 2026-05-01\nevent-start-date: 2026-05-16 10:00:00 -04:00\n"
             "Location: The park\nRSVP-link: rsvp@example.org\ncall-script-text: Hi there\n"
             "main-image: /img/r.jpg\nis featured: true\n")
    content, _ = content_of(tmp_path, "Come.\n", front=front)
    ev = content.event
    assert ev.location == "The park" and ev.call_script == "Hi there"
    assert ev.rsvp == "mailto:rsvp@example.org"
    assert ev.image == "https://example.org/img/r.jpg"
    assert ev.start.hour == 10


def test_unknown_placeholder_is_an_error_with_a_line(tmp_path):
    from newsletter.errors import IssueError
    with pytest.raises(IssueError) as exc:
        content_of(tmp_path, "Hi.\n\nDear [[frist_name]],\n")
    assert exc.value.line == 7 and "[[first_name]]" in exc.value.detail


@pytest.mark.parametrize("value, expected", [
    ("2019-07-14 22:46:00 -04:00", "2019-07-14T22:46:00-04:00"),
    ("2019-07-14 22:46:00 Z", "2019-07-14T22:46:00+00:00"),
    ("2019-07-14T22:46:00Z", "2019-07-14T22:46:00+00:00"),
    ("2019-07-14", "2019-07-14"),
    ("'2019-07-14 22:46'", "2019-07-14T22:46:00"),
])
def test_jekyll_date_forms(tmp_path, value, expected):
    path = tmp_path / "x.md"
    path.write_text(f"---\ntitle: T\ndate: {value}\n---\nBody\n")
    assert read_issue(path).date.isoformat() == expected


def test_date_from_the_file_name(tmp_path):
    path = tmp_path / "2019-07-14-name.md"
    path.write_text("---\ntitle: T\n---\nBody\n")
    assert read_issue(path).date.isoformat() == "2019-07-14"


def test_subject_and_preheader_defaults(tmp_path):
    content, _ = content_of(tmp_path, "\n\nThe first words of the *intro* paragraph.\n\nMore.\n")
    assert content.subject == "Test"
    assert content.preheader == "The first words of the intro paragraph."
    content, _ = content_of(tmp_path, "Intro.\n", front="title: T\ndate: 2026-01-05\n"
                            "subject: Read me\ndescription: The preview line\nlayout: post\n")
    assert (content.subject, content.preheader) == ("Read me", "The preview line")


@pytest.mark.parametrize("item, label", [
    ("Sign the petition: [click here](https://example.org/p)", "Sign the petition"),
    ("To RSVP, [click here](https://example.org/r)", "RSVP"),
    ("Call script and numbers: [HERE](https://example.org/c)", "Call script and numbers"),
    ("Watch the video: <https://video.example.org/abc>", "Watch the video"),
    ("Rally at city hall. [RSVP here](https://example.org/rsvp)", "RSVP"),
    ("[Click here to donate](https://example.org/d) to the fund", "Donate"),
    ("Questions? Write to [help@example.org](mailto:help@example.org) any time",
     "Email help@example.org"),
    ("Panel on Tuesday; for more info and to RSVP, click [here](https://example.org/r).", "RSVP"),
    ("Where Is the Path Forward? - Click [HERE](https://example.org/i) for more info.", "More info"),
    ("Vigil downtown. See [www.example.org/vigil](https://www.example.org/vigil)",
     "Visit example.org"),
    ("Watch it. More at www.example.com [HERE](https://example.org/m)", "Visit example.org"),
    ("May 12: [Congressional District Candidate Forum - all candidates welcome, bring a friend]"
     "(https://example.org/f) at the hall", "Congressional District Candidate Forum"),
    ("Firma la petición [aquí](https://example.org/p)", "Firma la petición"),
    ("وقّع العريضة [هنا](https://example.org/s)", "وقّع العريضة"),
])
def test_button_labels_on_everyday_phrasings(tmp_path, item, label):
    content, _ = content_of(tmp_path, f"* {item}\n* Plain item with more words.\n")
    assert lists(content)[0].items[0].button.label == label


def test_an_empty_link_address_is_dropped_not_sent_to_the_home_page(tmp_path):
    content, problems = content_of(tmp_path, "Some text [the form]() and more.\n")
    assert content.all_links() == []
    assert "the form" in all_text(content)
    assert [(p.id, p.line) for p in problems] == [("link-scheme", 5)]


def test_rsvp_link_follows_the_link_rules(tmp_path):
    front = "title: Test\ndate: 2026-01-05\nevent-start-date: 2026-02-01 10:00:00 -05:00\n"
    content, problems = content_of(tmp_path, "Body.\n", front=front + "RSVP-link: javascript:alert(1)\n")
    assert content.event.rsvp == ""
    assert [(p.id, p.line) for p in problems if p.id == "link-scheme"] == [("link-scheme", 5)]
    content, _ = content_of(tmp_path, "Body.\n", front=front + "RSVP-link: /events/rsvp\n")
    assert content.event.rsvp == "https://example.org/events/rsvp"


def test_a_table_inside_a_list_item_keeps_its_links(tmp_path):
    body = ("- Where to find us:\n\n  | Who | Where |\n  |---|---|\n"
            "  | Ana | [her site](https://ana.example.org) |\n")
    content, _ = content_of(tmp_path, body)
    assert content.all_links() == ["https://ana.example.org"]
    assert "Ana · her site" in all_text(content)


def test_a_key_set_twice_keeps_the_last_value(tmp_path):
    # The warning itself is a check (front-matter-key); see test_checks.
    content, _ = content_of(tmp_path, "Body.\n",
                            front="title: First\ndate: 2026-01-05\ntitle: Second\n")
    assert content.title == "Second"


def test_background_shorthand_keeps_its_colour(tmp_path):
    # White text whose blue background was dropped would be invisible.
    content, _ = content_of(tmp_path, '<p style="color:#fff; background: #1d4ed8">Vote</p>\n\n'
                            '<p style="background: url(https://example.org/x.png)">Pic</p>\n')
    html = to_html(content.sections[0].blocks[0].nodes)
    assert "background-color:#1d4ed8" in html and "color:#fff" in html
    assert "url(" not in to_html(content.sections[0].blocks[1].nodes)


def test_phone_links_get_a_call_button(tmp_path):
    content, _ = content_of(tmp_path, "* Ask the clerk to vote no: [555-0142](tel:+15555550142)\n")
    assert lists(content)[0].items[0].button.label == "Call 555-0142"



def test_ampersands_in_raw_html_keep_their_text(tmp_path):
    # html.parser reports the `&c` of `?b=1&c=2` as a reference with no `;`:
    # it used to come back as `&c;=2`, a character the writer never typed.
    body = ("<div>\nSee https://example.org/?b=1&c=2 and AT&T, &copy; &#65 here.\n</div>\n\n"
            "And <b>x&y=1</b> too.\n")
    content, _ = content_of(tmp_path, body)
    text = all_text(content)
    assert "?b=1&c=2" in text and "AT&T" in text and "x&y=1" in text
    assert "&c;" not in text and "&y;" not in text
    assert "© A here" in text   # real references are still read as such
