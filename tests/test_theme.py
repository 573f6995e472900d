"""The theme's hierarchy and options: the lead action, "at a glance", one
link per action, the event card, header and footer, [theme] and the layouts.

Each test builds a real email from Markdown (the same pipeline as `build`)
and reads the HTML with html5lib, the way mail clients parse it.
"""
from __future__ import annotations

import dataclasses
from pathlib import Path

import html5lib
import pytest

from newsletter.config import Config, load_config
from newsletter.content.reader import build_content
from newsletter.errors import IssueError, Problems
from newsletter.render import gate, platforms
from newsletter.render.email import make_email
from newsletter.source.issue import read_issue

import accessibility

CONFIG = Config(org_name="Maple Street Neighbours", postal_address="1 Example Road, Testville",
                site_url="https://example.org/", timezone="America/New_York",
                unsubscribe_url="https://example.org/unsubscribe")

ACTIONS = """\
Hello neighbours! Three things this week.

* Call the county office and ask them to keep the pantry open.
  The script is on our [call sheet](https://example.org/call-sheet).
* Sign the open letter [HERE](https://example.org/letter).
* Donate [here](https://example.org/donate) to buy vegetables.
"""


def email_for(tmp_path, body: str, front: str = "", config: Config = CONFIG):
    path = tmp_path / "2026-04-06-issue.md"
    path.write_text(f"---\ntitle: This week\ndate: 2026-04-06\n{front}---\n\n{body}", encoding="utf-8")
    problems = Problems()
    content = build_content(read_issue(path), config, problems)
    email = make_email(content, config, problems)
    assert not gate.violations(email, platforms.get_platform(config.platform), config)
    return email, problems


def tree(email):
    return html5lib.parse(email.html, treebuilder="etree", namespaceHTMLElements=False)


def by_id(email, name):
    return next(el for el in tree(email).iter() if el.get("id") == name)


def text(el) -> str:
    return " ".join(" ".join(el.itertext()).split())


def test_the_first_action_leads_and_the_glance_box_links_to_each_card(tmp_path):
    email, _ = email_for(tmp_path, ACTIONS)
    assert text(by_id(email, "action-1")).startswith("Most important Call the county office")
    html = email.html
    # The glance box comes after the intro, and names each action in a few words.
    assert html.index("Hello neighbours") < html.index("At a glance") < html.index("action-1\"")
    for n, words in enumerate(("Call the county office", "Sign the open letter", "Donate to buy vegetables"), 1):
        assert f'<a href="#action-{n}"' in html and words in html
    assert "At a glance:\n- Call the county office (most important)" in email.text
    assert not accessibility.problems(email.html)


def test_the_lead_can_be_chosen_or_turned_off(tmp_path):
    marked = ACTIONS.replace("* Donate", "* **Most important:** Donate")
    email, _ = email_for(tmp_path, marked)
    assert "Most important" in text(by_id(email, "action-3"))
    assert "Most important" not in text(by_id(email, "action-1"))
    email, _ = email_for(tmp_path, ACTIONS, 'lead: "open letter"\n')
    assert text(by_id(email, "action-2")).startswith("Most important")
    email, problems = email_for(tmp_path, ACTIONS, 'lead: "no such words"\n')
    assert text(by_id(email, "action-1")).startswith("Most important")
    assert any("no action card contains" in p.message for p in problems)
    email, _ = email_for(tmp_path, ACTIONS, "lead: false\n")
    assert "Most important" not in email.html


def test_at_a_glance_needs_three_actions_and_can_be_turned_off(tmp_path):
    two = "\n".join(ACTIONS.splitlines()[:-1]) + "\n"
    assert "At a glance" not in email_for(tmp_path, two)[0].html
    assert "At a glance" not in email_for(tmp_path, ACTIONS, "at_a_glance: false\n")[0].html
    off = dataclasses.replace(CONFIG, at_a_glance=False)
    assert "At a glance" not in email_for(tmp_path, ACTIONS, config=off)[0].html


def test_an_action_shows_its_link_once_and_both_parts_keep_it(tmp_path):
    email, _ = email_for(tmp_path, ACTIONS)
    hrefs = [a.get("href") for a in tree(email).iter("a")]
    assert hrefs.count("https://example.org/call-sheet") == 1      # the button, not the words too
    assert "call sheet" in text(by_id(email, "action-1"))
    assert "https://example.org/call-sheet" in email.text


def test_a_click_here_paragraph_becomes_an_action_card(tmp_path):
    email, _ = email_for(tmp_path, "Click [HERE](https://example.org/help) to learn how to help.\n\n"
                         + ACTIONS.split("\n\n", 1)[1])
    assert text(by_id(email, "action-1")).startswith("Most important Click HERE to learn")
    button = next(a for a in tree(email).iter("a") if a.get("href") == "https://example.org/help")
    assert text(button) == "Learn how to help"


def test_many_actions_turn_the_others_into_arrow_links(tmp_path):
    many = ACTIONS + "".join(f"* Write to [councillor {i}](https://example.org/c{i}) today.\n" for i in range(3))
    email, _ = email_for(tmp_path, many)
    arrows = [text(a) for a in tree(email).iter("a") if a.get("class") == "nl-arrow"]
    assert len(arrows) == 5 and all(a.endswith("→") for a in arrows)
    email, _ = email_for(tmp_path, ACTIONS)
    assert "nl-outline" in email.html and "nl-arrow" not in email.html


EVENT = """\
event-title: River cleanup
event-start-date: 2026-05-16 10:00:00 -04:00
Location: Mill Pond boat ramp, 40 Water St
RSVP-link: https://example.org/rsvp
call-script-text: Hi, please fund the trail.
"""


def test_the_event_card_follows_the_intro(tmp_path):
    mapped = dataclasses.replace(CONFIG, map_links=True)
    email, _ = email_for(tmp_path, "Hello neighbours!\n\n## More\n\nOther news.\n", EVENT, mapped)
    card = text(by_id(email, "event"))
    assert card.startswith("MAY 16 River cleanup When: Saturday, May 16, 2026"), card
    html = email.html
    assert html.index("Hello neighbours") < html.index('id="event"') < html.index("Call script") \
        < html.index("Other news")
    maps = "https://www.google.com/maps/search/?api=1&query=Mill%20Pond%20boat%20ramp%2C%2040%20Water%20St"
    assert maps in email.html.replace("&amp;", "&") and f"Map: {maps}" in email.text
    assert email.text.index("Hello neighbours") < email.text.index("River cleanup") < email.text.index("Other news")
    assert "maps" not in email_for(tmp_path, "Hello!\n", EVENT)[0].html


def test_header_and_footer_options(tmp_path):
    config = dataclasses.replace(CONFIG, logo_url="https://example.org/logo.png", logo_width=120,
                                 logo_alt="Maple Street logo", tagline="Neighbours helping neighbours",
                                 social={"facebook": "https://facebook.com/maple",
                                         "insta": {"url": "https://instagram.com/maple", "icon":
                                                   "https://example.org/ig.png", "label": "Instagram"}})
    email, _ = email_for(tmp_path, ACTIONS, config=config)
    logo = next(img for img in tree(email).iter("img") if img.get("src") == "https://example.org/logo.png")
    assert logo.get("alt") == "Maple Street logo" and logo.get("width") == "120"
    assert "Neighbours helping neighbours" in email.html
    icon = next(img for img in tree(email).iter("img") if img.get("src") == "https://example.org/ig.png")
    assert icon.get("alt") == "Instagram"
    assert '<a href="https://facebook.com/maple"' in email.html
    assert "Facebook: https://facebook.com/maple" in email.text
    assert not accessibility.problems(email.html)


@pytest.mark.parametrize("theme", [{"layout": "letter"}, {"font": "serif", "button_style": "outline",
                                                          "corner_radius": 0}])
def test_theme_options(tmp_path, theme):
    email, _ = email_for(tmp_path, ACTIONS, config=dataclasses.replace(CONFIG, theme=theme))
    assert not accessibility.problems(email.html)
    if theme.get("layout") == "letter":
        assert "— Maple Street Neighbours" in email.html and "#eef2ff" not in email.html
    else:
        assert "Georgia" in email.html and "border-radius:0px" in email.html
        assert "nl-arrow" in email.html     # outline buttons make the others arrow links


@pytest.mark.parametrize("toml,line,message", [
    ('[theme]\nfont = "comic"\n', 2, 'theme.font must be "system" or "serif"'),
    ('[theme]\nlayout = "grid"\n', 2, 'theme.layout must be "cards" or "letter"'),
    ('[theme]\ncorner_radius = 40\n', 2, "corner_radius must be a whole number"),
    ('logo_width = "wide"\n', 1, "logo_width must be a whole number"),
    ('map_links = "yes"\n', 1, "'map_links' must be true or false"),
    ('[social]\nfacebook = "http://facebook.com/x"\n', 2, "must start with https://"),
    ('[social]\nfacebook = 3\n', 2, "social.facebook must be a URL"),
])
def test_bad_theme_settings_are_errors_at_their_line(tmp_path, toml, line, message):
    path = tmp_path / "newsletter.toml"
    path.write_text(toml)
    with pytest.raises(IssueError) as exc:
        load_config(path)
    assert exc.value.line == line and message in str(exc.value)


def test_digest_entries_have_headings_dates_and_dividers(tmp_path):
    from click.testing import CliRunner

    from newsletter.cli import main
    fixtures = Path(__file__).parent / "fixtures" / "visual"
    config = tmp_path / "newsletter.toml"
    config.write_text(f'output_dir = "{tmp_path / "out"}"\n' + (fixtures / "newsletter.toml").read_text())
    result = CliRunner().invoke(main, ["digest", "--config", str(config), "--since", "2026-04-01",
                                       "--until", "2026-04-07", "--as-of", "2026-04-01",
                                       str(fixtures / "digest")])
    assert result.exit_code == 0, result.output
    [html] = (tmp_path / "out").glob("*/email.html")
    page = html5lib.parse(html.read_text(), treebuilder="etree", namespaceHTMLElements=False)
    headings = {"h3": [], "h4": []}
    for el in page.iter():
        if el.tag in headings:
            headings[el.tag].append(text(el))
    assert "Sign the repair letter" in headings["h3"] and "Courtyard garden day" in headings["h4"]
    assert len([el for el in page.iter() if el.tag == "hr"]) == 1   # between the two actions
    assert "April 2, 2026" in text(page.find(".//body"))
    # The event card's glance entry says what it is, and the featured event leads.
    assert "RSVP: Rent board hearing" in text(page.find(".//body"))


def test_seed_stays_small_in_both_layouts(seed):
    for theme in ({}, {"layout": "letter"}):
        config = dataclasses.replace(CONFIG, theme=theme)
        problems = Problems()
        email = make_email(build_content(read_issue(seed), config, problems), config, problems)
        assert email.size < 30 * 1024, f"{theme}: {email.size} bytes"
