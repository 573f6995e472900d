"""The real pages in ../shared: the seed builds well; the whole corpus builds
or fails cleanly with path:line, and never loses a link."""
import html
import multiprocessing
import re
import traceback
from collections import Counter
from pathlib import Path

from newsletter.checks.output import GMAIL_CLIP
from newsletter.render.email import make_email
from newsletter.cli import main
from newsletter.config import Config
from newsletter.content.reader import build_content
from newsletter.errors import IssueError, Problems
from newsletter.source.issue import read_issue

from test_plaintext import rule_violations

# -- the seed


def test_seed_builds_into_an_email_worth_sending(runner, workspace, seed):
    result = runner.invoke(main, ["build", str(seed)])
    assert result.exit_code == 0, result.output
    out = workspace / "build" / seed.stem
    page = (out / "email.html").read_text()
    text = (out / "email.txt").read_text()
    mjml = (out / "email.mjml").read_text()

    links = re.findall(r"\]\((https?://[^)\s]+)\)", seed.read_text())
    assert len(links) == 11
    unescaped = html.unescape(page)
    for link in links:
        assert f'href="{link}"' in unescaped, link
        assert link in text, link

    size = len(page.encode())
    print(f"\nseed: email.html {size / 1024:.1f} KB, email.txt {len(text.encode()) / 1024:.1f} KB")
    assert size < 60 * 1024
    assert page.lower().startswith("<!doctype html>")
    media = re.findall(r"@media[^{]*\{(?:[^{}]*\{[^{}]*\})+\s*\}", page)
    assert media and all("!important" in rule for rule in media)
    assert any("prefers-color-scheme: dark" in rule for rule in media)
    assert "<script" not in page.lower()
    for part in (page, text, mjml):
        assert "{:" not in part
    assert "_blank" not in text

    # The lead action is a button; with this many actions the others are
    # links with an arrow ("Donate →").
    found = re.findall(r"<mj-button[^>]*>(.*?)</mj-button>", mjml, re.S) + \
        re.findall(r'<a href="[^"]*" class="nl-arrow"[^>]*>(.*?) →</a>', mjml, re.S)
    labels = [html.unescape(l).strip() for l in found]
    assert len(labels) >= 4
    for label in labels:
        assert label.lower() not in ("here", "click here", "click"), labels
    assert "Sign the petition" in labels and "Donate" in labels


# -- the corpus

CONFIG = Config(org_name="Test Group", postal_address="1 Test St, Testville",
                site_url="https://example.org/", unsubscribe_url="https://example.org/unsub")


def check_file(path: Path) -> tuple[str, str, str, list[str], int]:
    """(name, status, reason, lost links, size). Runs in a worker process."""
    problems = Problems()
    try:
        content = build_content(read_issue(path), CONFIG, problems)
        email = make_email(content, CONFIG, problems)
    except IssueError as exc:
        if exc.line is None or Path(exc.path).resolve() != path.resolve():
            return path.name, "crash", f"IssueError without path:line: {exc}", [], 0
        return path.name, "failed", exc.detail.split(";")[0].split(":")[0][:60], [], 0
    except Exception:   # anything else is a bug: report it with its traceback
        return path.name, "crash", traceback.format_exc(limit=6), [], 0
    page = html.unescape(email.html)
    lost = []
    for href in content.all_links():
        if href.startswith(("http://", "https://")):
            if href not in page or href not in email.text:
                lost.append(href)
        elif href.startswith("mailto:"):
            if href not in page or href[len("mailto:"):] not in email.text:
                lost.append(href)
    lost += [f"plaintext: {v}" for v in rule_violations(email.text)[:3]]   # reported with lost links
    if problems.errors:
        return path.name, "failed", problems.errors[0].message.split(";")[0][:60], lost, email.size
    return path.name, "built", "", lost, email.size


def test_every_corpus_file_builds_or_fails_cleanly(corpus):
    files = sorted(p for p in corpus.iterdir() if p.is_file())
    context = multiprocessing.get_context("fork" if "fork" in multiprocessing.get_all_start_methods()
                                          else None)
    with context.Pool(max(2, min(4, multiprocessing.cpu_count()))) as pool:
        results = pool.map(check_file, files, chunksize=8)

    counts = Counter(status for _, status, _, _, _ in results)
    reasons = Counter(reason for _, status, reason, _, _ in results if status == "failed")
    crashes = [(name, reason) for name, status, reason, _, _ in results if status == "crash"]
    lost = [(name, href) for name, _, _, hrefs, _ in results for href in hrefs]
    sizes = sorted(size for _, status, _, _, size in results if status == "built")
    summary = (f"corpus: {len(files)} files, {counts['built']} built, {counts['failed']} failed "
               f"{dict(reasons)}, {counts['crash']} crashed, {len(lost)} links lost; "
               f"largest HTML {sizes[-1] / 1024:.1f} KB, median {sizes[len(sizes) // 2] / 1024:.1f} KB")
    print("\n" + summary)
    assert not crashes, summary + "\n" + "\n".join(f"{n}: {r}" for n, r in crashes[:5])
    assert not lost, summary + "\n" + "\n".join(f"{n}: {h}" for n, h in lost[:10])
    assert sizes[-1] < GMAIL_CLIP, summary
    assert counts["built"] >= 0.9 * len(files), summary
