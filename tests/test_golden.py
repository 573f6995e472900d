"""Golden pairs: tests/golden/<case>.md -> <case>.html and <case>.txt.

After an intended change to the output, regenerate and review the diff:

    .venv/bin/python -m pytest tests/test_golden.py --regen-golden
"""
from pathlib import Path

import pytest

from newsletter.render.email import make_email
from newsletter.config import Config
from newsletter.content.reader import build_content
from newsletter.errors import Problems
from newsletter.source.issue import read_issue

GOLDEN = Path(__file__).parent / "golden"
CASES = sorted(p.stem for p in GOLDEN.glob("*.md"))

# Fixed values, so the goldens never depend on anyone's newsletter.toml.
CONFIG = Config(
    org_name="Maple Street Neighbours",
    postal_address="Maple Street Neighbours, 1 Example Road, Testville",
    site_url="https://example.org/",
    timezone="America/New_York",
    platform="generic",
    unsubscribe_url="https://example.org/unsubscribe",
)


def render(case: str):
    problems = Problems()
    content = build_content(read_issue(GOLDEN / f"{case}.md"), CONFIG, problems)
    return make_email(content, CONFIG, problems), content


def test_there_are_golden_cases():
    assert len(CASES) >= 3


@pytest.mark.parametrize("case", CASES)
def test_golden(case, regen_golden):
    email, _ = render(case)
    for suffix, actual in ((".html", email.html), (".txt", email.text)):
        path = GOLDEN / f"{case}{suffix}"
        if regen_golden:
            path.write_text(actual, encoding="utf-8", newline="\n")
            continue
        assert path.is_file(), f"{path.name} missing; run pytest tests/test_golden.py --regen-golden"
        expected = path.read_text(encoding="utf-8")
        assert actual == expected, (
            f"{path.name} differs from the build; if the change is intended, "
            "run: .venv/bin/python -m pytest tests/test_golden.py --regen-golden")


@pytest.mark.parametrize("case", CASES)
def test_golden_keeps_every_link(case):
    import html
    email, content = render(case)
    page = html.unescape(email.html)
    for href in content.all_links():
        assert href in page
        assert href.removeprefix("mailto:") in email.text
