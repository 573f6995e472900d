"""The built email in real headless Chromium: phone and desktop, light and dark.

Each case is built with the real CLI into a temporary folder and opened at
320, 375 and 600 px. The page is measured once per case, width and colour
scheme (`measure`); each test checks one property of those measurements.
Screenshots go to test-artifacts/screenshots/ and the numbers to
test-artifacts/visual-report.txt, so a person can look.

MJML reference: the same email.mjml compiled by npm `mjml` (the reference
renderer) is screenshotted beside our final email.html, which is
mjml-python's output after premailer. Comparing the final file means drift
from either step is caught; on failure the message also gives the figure for
mjml-python alone, which says which step drifted.
"""
from __future__ import annotations

import functools
import importlib.util
import os
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from newsletter.screenshots import INSTALL_HINT, find_chromium

import accessibility
from conftest import ROOT, SEED

if find_chromium() is None:
    pytest.skip(f"visual tests skipped: {INSTALL_HINT}", allow_module_level=True)
if importlib.util.find_spec("playwright") is None or importlib.util.find_spec("PIL") is None:
    pytest.skip("visual tests skipped: playwright and pillow missing; "
                "run .venv/bin/pip install -e '.[test]'", allow_module_level=True)

from PIL import Image, ImageChops  # noqa: E402

from newsletter.cli import main  # noqa: E402
from newsletter.config import Config  # noqa: E402
from newsletter.render.html import compile_mjml  # noqa: E402
from newsletter.screenshots import chromium, open_page  # noqa: E402

FIXTURES = Path(__file__).parent / "fixtures" / "visual"
ARTIFACTS = ROOT / "test-artifacts"
SHOTS = ARTIFACTS / "screenshots"
MJML_BIN = Path(os.environ.get("NEWSLETTER_MJML", ROOT / ".tools" / "node_modules" / ".bin" / "mjml"))

WIDTHS = (320, 375, 600)
SCHEMES = ("light", "dark")
MIN_BUTTON_PX = 44
MIN_FONT_PX = 14
MIN_CONTRAST = 4.5
MAX_DIFF_PERCENT = 1.0
# Per-channel difference (of 255) below which two pixels count as the same.
PIXEL_TOLERANCE = 8

SAMPLES = sorted(p.stem for p in (ROOT / "issues").glob("*.md"))
# Each case in the default "cards" layout, then in "letter" ([theme] layout).
LETTER = "-letter"
CASES = SAMPLES + ["seed", "fixture", "messy", "digest"]
CASES += [case + LETTER for case in CASES]

REPORT: list[str] = []


# --- building the cases ---------------------------------------------------

def _config(folder: Path, base: Path, extra: str = "") -> Path:
    """`base` config with the output sent to `folder`, and `extra` TOML after it."""
    path = folder / "newsletter.toml"
    # First, so that it is not taken into a [table] at the end of base.
    path.write_text(f'output_dir = "{folder / "out"}"\n' + base.read_text(encoding="utf-8")
                    + "\n" + extra, encoding="utf-8")
    return path


def _run(args: list[str]) -> None:
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, f"newsletter {' '.join(args)}\n{result.output}"


@pytest.fixture(scope="session")
def build_case(tmp_path_factory):
    """case -> folder holding its email.html, built once per session."""
    @functools.cache
    def build(case: str) -> Path:
        folder = tmp_path_factory.mktemp(case)
        extra = '[theme]\nlayout = "letter"\n' if case.endswith(LETTER) else ""
        case = case.removesuffix(LETTER)
        fixture_config = _config(folder, FIXTURES / "newsletter.toml", extra)
        if case in SAMPLES:
            config = _config(folder, ROOT / "newsletter.toml", extra)
            _run(["build", "--config", str(config), str(ROOT / "issues" / f"{case}.md")])
        elif case == "seed":
            _run(["build", "--config", str(fixture_config), str(SEED)])
        elif case == "fixture":
            _run(["build", "--config", str(fixture_config), str(FIXTURES / "issues")])
        elif case == "messy":   # authors' colours, a wide table, a huge image, long links
            _run(["build", "--config", str(fixture_config), str(FIXTURES / "messy")])
        elif case == "digest":
            _run(["digest", "--config", str(fixture_config),
                  "--since", "2026-04-01", "--until", "2026-04-07", "--as-of", "2026-04-01",
                  str(FIXTURES / "digest")])
        [html] = (folder / "out").glob("*/email.html")
        return html.parent
    return build


@pytest.fixture
def case_folder(request, build_case):
    case = request.param
    if case.removesuffix(LETTER) == "seed":
        request.getfixturevalue("seed")          # skips when ../shared is absent
    return build_case(case)


# --- the browser ----------------------------------------------------------

# Module scope: playwright's sync API allows one driver per thread at a time,
# so the browser must be closed before other test files start their own.
@pytest.fixture(scope="module")
def browser():
    with chromium() as browser:     # closes Chromium and playwright's driver
        yield browser
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "visual-report.txt").write_text("\n".join(REPORT) + "\n", encoding="utf-8")


MEASURE_JS = """() => {
  const rgba = s => {
    const m = s.match(/rgba?\\(([^)]*)\\)/);
    if (!m) return null;
    const p = m[1].split(/[\\s,\\/]+/).filter(Boolean).map(Number);
    return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1];
  };
  // Background layers from the element up to the first opaque one.
  const layers = el => {
    const out = [];
    for (; el; el = el.parentElement) {
      const c = rgba(getComputedStyle(el).backgroundColor);
      if (c && c[3] > 0) { out.push(c); if (c[3] >= 1) break; }
    }
    return out;
  };
  const visible = el => el.checkVisibility({checkOpacity: true, checkVisibilityCSS: true,
                                             opacityProperty: true, visibilityProperty: true});
  const texts = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const seen = new Set();
  for (let node; (node = walker.nextNode());) {
    const el = node.parentElement;
    if (!node.textContent.trim() || !el || seen.has(el) || !visible(el)) continue;
    const range = document.createRange();
    range.selectNodeContents(node);
    const box = range.getBoundingClientRect();
    if (box.width === 0 || box.height === 0) continue;
    seen.add(el);
    const cs = getComputedStyle(el);
    texts.push({text: node.textContent.trim().slice(0, 50), tag: el.tagName.toLowerCase(),
                size: parseFloat(cs.fontSize), weight: parseInt(cs.fontWeight, 10),
                color: rgba(cs.color), layers: layers(el)});
  }
  const buttons = [...new Set(document.querySelectorAll('.nl-button a, td[bgcolor] > a'))]
    .filter(visible).map(a => {
      const r = a.getBoundingClientRect();
      return {text: a.textContent.trim(), height: r.height};
    });
  const images = [...document.images].map(img => {
    const r = img.getBoundingClientRect();
    return {src: img.getAttribute('src'), alt: (img.getAttribute('alt') || '').trim(),
            left: r.left, right: r.right, width: r.width};
  });
  // Links in running text (not buttons): underlined, or their colour and the
  // text's around them, to tell them apart by more than colour.
  const links = [...document.querySelectorAll('a')].filter(visible)
    .filter(a => !a.closest('.nl-button, td[bgcolor]') && a.textContent.trim())
    .map(a => ({text: a.textContent.trim().slice(0, 40),
                underline: getComputedStyle(a).textDecorationLine.includes('underline'),
                color: rgba(getComputedStyle(a).color),
                around: rgba(getComputedStyle(a.parentElement.closest('p, li, div, td')).color)}));
  return {scrollWidth: document.documentElement.scrollWidth, texts, buttons, images, links};
}"""


@pytest.fixture(scope="module")
def measure(browser):
    @functools.cache
    def run(folder: Path, case: str, width: int, scheme: str) -> dict:
        SHOTS.mkdir(parents=True, exist_ok=True)
        with open_page(browser, folder / "email.html", width, scheme) as page:
            page.screenshot(path=str(SHOTS / f"{case}-{width}-{scheme}.png"), full_page=True)
            return page.evaluate(MEASURE_JS)
    return run


# --- colour arithmetic (WCAG 2.x) -------------------------------------------

def composite(color, layers, base=(255, 255, 255)):
    """`color` over the background layers (innermost first) over `base`."""
    under = list(base)
    for layer in reversed(layers):
        a = layer[3]
        under = [layer[i] * a + under[i] * (1 - a) for i in range(3)]
    a = color[3]
    return [color[i] * a + under[i] * (1 - a) for i in range(3)], under


def luminance(rgb) -> float:
    def channel(v):
        v /= 255
        return v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4
    r, g, b = (channel(v) for v in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(fg, bg) -> float:
    hi, lo = sorted((luminance(fg), luminance(bg)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def test_contrast_arithmetic():
    assert contrast((0, 0, 0), (255, 255, 255)) == pytest.approx(21)
    assert contrast((119, 119, 119), (255, 255, 255)) == pytest.approx(4.48, abs=0.01)
    fg, bg = composite([0, 0, 0, 0.5], [[255, 255, 255, 1]])
    assert bg == [255, 255, 255] and fg == [127.5, 127.5, 127.5]


# --- per page checks ----------------------------------------------------

@pytest.fixture
def page_data(request, case_folder, measure):
    case, width, scheme = request.param
    return measure(case_folder, case, width, scheme), width, scheme


# case_folder gets the case; page_data the case, width and scheme.
parametrize_pages = pytest.mark.parametrize(
    "case_folder,page_data",
    [pytest.param(c, (c, w, s), id=f"{c}-{w}-{s}") for c in CASES for w in WIDTHS for s in SCHEMES],
    indirect=True)


@parametrize_pages
def test_no_horizontal_overflow(page_data):
    data, width, _ = page_data
    assert data["scrollWidth"] <= width, f"page is {data['scrollWidth']} px wide in a {width} px viewport"


@parametrize_pages
def test_buttons_are_tall_enough_to_tap(page_data):
    data, _, _ = page_data
    short = [f"{b['text']!r}: {b['height']:.0f} px" for b in data["buttons"]
             if b["height"] < MIN_BUTTON_PX]
    assert not short, f"buttons under {MIN_BUTTON_PX} px tall: {short}"


@parametrize_pages
def test_text_is_at_least_14px(page_data):
    data, _, _ = page_data
    assert data["texts"], "no visible text measured"
    small = sorted({f"<{t['tag']}> {t['size']:g}px {t['text']!r}" for t in data["texts"]
                    if t["size"] < MIN_FONT_PX})
    assert not small, "text under 14 px:\n" + "\n".join(small)


@parametrize_pages
def test_images_have_alt_and_fit(page_data):
    data, width, _ = page_data
    bad = [f"{img['src']}: no alt" for img in data["images"] if not img["alt"]]
    bad += [f"{img['src']}: spans {img['left']:.0f}..{img['right']:.0f} px" for img in data["images"]
            if img["width"] and (img["left"] < 0 or img["right"] > width)]
    assert not bad, f"images at {width} px: {bad}"


def contrast_rows(data, scheme):
    """(ratio, text, background) for each measured text, lowest ratio first."""
    base = (255, 255, 255) if scheme == "light" else (18, 18, 18)   # Chromium's canvas
    rows = []
    for t in data["texts"]:
        fg, bg = composite(t["color"], t["layers"], base)
        rows.append((contrast(fg, bg), t, bg))
    return sorted(rows, key=lambda row: row[0])


@parametrize_pages
def test_text_contrast(request, page_data):
    data, width, scheme = page_data
    rows = contrast_rows(data, scheme)
    low = sorted({f"{ratio:.2f}:1 <{t['tag']}> {t['text']!r} rgb{tuple(t['color'][:3])} on "
                  f"rgb{tuple(round(v) for v in bg)}" for ratio, t, bg in rows
                  if ratio < MIN_CONTRAST})
    if hasattr(request.node, "callspec"):     # not when called by the tests below
        REPORT.append(f"contrast {request.node.callspec.id}: lowest {rows[0][0]:.2f}:1 "
                      f"({rows[0][1]['text']!r})")
    assert not low, f"text under {MIN_CONTRAST}:1 contrast in {scheme} mode:\n" + "\n".join(low)


@parametrize_pages
def test_links_stand_out_by_more_than_colour(page_data):
    """Underlined, or at least 3:1 against the text around them (WCAG 1.4.1)."""
    data, _, scheme = page_data
    bad = [f"{link['text']!r}" for link in data["links"] if not link["underline"]
           and contrast(link["color"][:3], link["around"][:3]) < 3]
    assert not bad, f"links told apart by colour alone in {scheme} mode: {bad}"


@pytest.mark.parametrize("case_folder", CASES, indirect=True)
def test_accessibility(case_folder):
    """The EMC's top ten that markup shows, and more; see tests/accessibility.py."""
    found = accessibility.problems((case_folder / "email.html").read_text(encoding="utf-8"))
    assert not found, "\n".join(found)


def test_accessibility_checks_can_fail():
    bad = ('<html><head><meta name="viewport" content="width=device-width, maximum-scale=1">'
           '</head><body><div role="article" aria-label="x"><table><tr><td>'
           '<a href="#nowhere"><img src="a.png"></a><p id="a">x</p><p id="a">y</p>'
           '<table><tr><td class="nl-button"><a href="https://example.org">Click here</a>'
           '</td></tr></table></td></tr></table></div></body></html>')
    found = "\n".join(accessibility.problems(bad))
    for expected in ("no lang", "no <title>", "no <h1>", "without role=presentation",
                     "without alt", "link with no text", "says nothing", "stops zooming",
                     "used 2 times", "#nowhere", "has no dir"):
        assert expected in found, expected


SPLIT_WORDS_JS = """() => [...document.querySelectorAll('td td, td th')]
  .filter(cell => /^\\w{1,9}$/.test(cell.textContent.trim()))
  .filter(cell => {
    const range = document.createRange();
    range.selectNodeContents(cell);
    return new Set([...range.getClientRects()].map(r => Math.round(r.top))).size > 1;
  }).map(cell => cell.textContent.trim())"""


@pytest.mark.parametrize("case_folder", ["messy"], indirect=True)
def test_table_cells_keep_short_words_whole(case_folder, browser):
    """An author's table at 320 px wraps between words, not inside "Monday"."""
    with open_page(browser, case_folder / "email.html", 320) as page:
        split = page.evaluate(SPLIT_WORDS_JS)
    assert not split, f"short words broken across lines in table cells: {split}"


# --- against the MJML reference renderer ------------------------------------

def diff_percent(ours: Path, theirs: Path, out: Path) -> tuple[float, tuple | None]:
    """Share of differing pixels, and their bounding box; size changes count."""
    a, b = Image.open(ours).convert("RGB"), Image.open(theirs).convert("RGB")
    size = (max(a.width, b.width), max(a.height, b.height))
    pads = []
    for img in (a, b):
        pad = Image.new("RGB", size, (255, 0, 255))
        pad.paste(img)
        pads.append(pad)
    channels = ImageChops.difference(*pads).split()
    worst = functools.reduce(ImageChops.lighter, channels)
    mask = worst.point(lambda v: 255 if v > PIXEL_TOLERANCE else 0)
    changed = mask.histogram()[255]
    box = mask.getbbox()
    if box:
        mask.save(out)
    return 100 * changed / (size[0] * size[1]), box


@pytest.fixture(scope="session")
def reference_html(tmp_path_factory):
    if not MJML_BIN.is_file():
        pytest.skip(f"MJML reference comparison skipped: {MJML_BIN} missing; "
                    "run `npm install --prefix .tools mjml@4`")

    @functools.cache
    def compile_reference(folder: Path) -> Path:
        out = tmp_path_factory.mktemp("mjml-reference") / "email.html"
        subprocess.run([str(MJML_BIN), str(folder / "email.mjml"), "-o", str(out)],
                       check=True, capture_output=True, timeout=120)
        return out
    return compile_reference


@pytest.mark.parametrize("case_folder,case,width,scheme",
                         [pytest.param(c, c, w, s, id=f"{c}-{w}-{s}")
                          for c in CASES for w in (375, 600) for s in SCHEMES],
                         indirect=["case_folder"])
def test_matches_mjml_reference(case_folder, case, width, scheme, browser, measure,
                                reference_html, tmp_path):
    measure(case_folder, case, width, scheme)       # takes our screenshot
    ours = SHOTS / f"{case}-{width}-{scheme}.png"
    theirs = SHOTS / f"{case}-{width}-{scheme}-mjml-reference.png"
    with open_page(browser, reference_html(case_folder), width, scheme) as page:
        page.screenshot(path=str(theirs), full_page=True)
    diff_png = SHOTS / f"{case}-{width}-{scheme}-mjml-diff.png"
    percent, box = diff_percent(ours, theirs, diff_png)
    REPORT.append(f"mjml-reference {case}-{width}-{scheme}: {percent:.3f}% of pixels differ"
                  + (f", within {box}" if box else ""))
    if percent <= MAX_DIFF_PERCENT:
        return
    # Which step drifted: mjml-python alone, before premailer.
    raw = tmp_path / "mjml-python.html"
    raw.write_text(compile_mjml((case_folder / "email.mjml").read_text(encoding="utf-8"), Config()),
                   encoding="utf-8")
    raw_shot = tmp_path / "mjml-python.png"
    with open_page(browser, raw, width, scheme) as page:
        page.screenshot(path=str(raw_shot), full_page=True)
    raw_percent, raw_box = diff_percent(raw_shot, theirs, tmp_path / "raw-diff.png")
    pytest.fail(f"{percent:.2f}% of pixels differ from the MJML reference at {width} px {scheme} "
                f"(limit {MAX_DIFF_PERCENT}%), within box {box} (left, top, right, bottom); "
                f"mjml-python before premailer: {raw_percent:.2f}% within {raw_box}. "
                f"See {diff_png.relative_to(ROOT)}")


# --- the checks themselves must be able to fail -----------------------------

BAD_EMAIL = """<!doctype html><html><head><meta name="viewport" content="width=device-width">
<style>@media (prefers-color-scheme: dark) { .x { color: #222 !important; background: #111; } }</style>
</head><body style="margin:0;background:#fff">
<div style="display:none">hidden preheader, tiny on purpose</div>
<p class="x" style="font-size:12px;color:#aaa">Small grey text</p>
<p style="font-size:16px;color:#222">Read <a href="https://example.org/x" style="text-decoration:none;color:#444">this</a></p>
<table><tr><td bgcolor="#1d4ed8"><a href="https://example.org" style="padding:2px">Tiny</a></td></tr></table>
<img src="https://example.org/a.png" width="900">
</body></html>"""


@pytest.mark.parametrize("scheme", SCHEMES)
def test_checks_catch_a_bad_email(tmp_path, measure, scheme):
    (tmp_path / "email.html").write_text(BAD_EMAIL, encoding="utf-8")
    data = measure(tmp_path, "bad-example", 320, scheme)
    page = (data, 320, scheme)
    for check in (test_no_horizontal_overflow, test_buttons_are_tall_enough_to_tap,
                  test_text_is_at_least_14px, test_images_have_alt_and_fit,
                  test_links_stand_out_by_more_than_colour):
        with pytest.raises(AssertionError):
            check(page)
    assert all("hidden preheader" not in t["text"] for t in data["texts"])
    small = next(t for t in data["texts"] if t["text"] == "Small grey text")
    fg, bg = composite(small["color"], small["layers"])
    assert contrast(fg, bg) < MIN_CONTRAST


def _broken_theme(head: str) -> str:
    """The default head.mjml made wrong the ways a theme edit can go wrong."""
    head = head.replace("color: #f3f4f6 !important", "color: #374151 !important")  # dark on dark
    head = head.replace('<mj-text font-size="16px"', '<mj-text font-size="12px"')
    head = head.replace('inner-padding="13px 22px"', 'inner-padding="2px 8px"')
    return head + "<mj-style>.nl-body { min-width: 480px; }</mj-style>\n"


def test_checks_catch_a_broken_theme(request, tmp_path, measure):
    """A user theme built with the real CLI: each check must object to it."""
    partials = tmp_path / "templates" / "partials"
    partials.mkdir(parents=True)
    default = (ROOT / "templates" / "partials" / "head.mjml").read_text(encoding="utf-8")
    broken = _broken_theme(default)
    assert broken.count("#374151") == 1 and "12px" in broken and "2px 8px" in broken
    (partials / "head.mjml").write_text(broken, encoding="utf-8")
    _run(["build", "--config", str(_config(tmp_path, FIXTURES / "newsletter.toml")),
          str(FIXTURES / "issues")])
    [html] = (tmp_path / "out").glob("*/email.html")
    data = measure(html.parent, "broken-theme", 320, "dark")
    page = (data, 320, "dark")
    for check in (test_no_horizontal_overflow, test_buttons_are_tall_enough_to_tap,
                  test_text_is_at_least_14px):
        with pytest.raises(AssertionError):
            check(page)
    with pytest.raises(AssertionError, match="contrast in dark mode"):
        test_text_contrast(request, page)


def test_pixel_diff_finds_the_changed_box(tmp_path):
    a = Image.new("RGB", (100, 50), "white")
    b = a.copy()
    b.paste((0, 0, 0), (10, 20, 30, 25))            # 20 x 5 px changed
    c = Image.new("RGB", (100, 60), "white")         # 10 px taller
    for name, img in (("a", a), ("b", b), ("c", c)):
        img.save(tmp_path / f"{name}.png")
    assert diff_percent(tmp_path / "a.png", tmp_path / "a.png", tmp_path / "d.png") == (0, None)
    percent, box = diff_percent(tmp_path / "a.png", tmp_path / "b.png", tmp_path / "d.png")
    assert percent == pytest.approx(2.0) and box == (10, 20, 30, 25)
    percent, box = diff_percent(tmp_path / "a.png", tmp_path / "c.png", tmp_path / "d.png")
    assert box == (0, 50, 100, 60)
