"""MJML JS (npm `mjml`, v4) in strict validation is the reference validator:
mjml-python validates nothing, so the theme's emitted MJML is checked here."""
import dataclasses
import shutil
import subprocess
from pathlib import Path

import pytest

from newsletter.render.email import render_html
from newsletter.config import load_config
from newsletter.content.reader import build_content
from newsletter.errors import IssueError, Problems
from newsletter.source.issue import read_issue

from conftest import CORPUS, ROOT, SEED

MJML = ROOT / ".tools" / "node_modules" / ".bin" / "mjml"
GOLDEN = Path(__file__).parent / "golden"


@pytest.fixture
def mjml_cli() -> Path:
    if not MJML.is_file() or shutil.which("node") is None:
        pytest.skip("MJML reference validator not installed: run "
                    "`npm install --prefix .tools mjml@4` (needs Node.js)")
    return MJML


def emitted_mjml(tmp_path: Path) -> list[Path]:
    """The theme's MJML for each sample issue, each golden case, the seed and
    every 20th page of the corpus; once more with a logo in the header."""
    config = load_config(ROOT / "newsletter.toml")
    sources = sorted((ROOT / "issues").glob("*.md")) + sorted(GOLDEN.glob("*.md"))
    if SEED.is_file():
        sources.append(SEED)
    if CORPUS.is_dir():
        sources += sorted(CORPUS.iterdir())[::20]
    runs = [(config, source) for source in sources]
    runs.append((dataclasses.replace(config, logo_url="https://example.org/logo.png"), sources[0]))
    written = []
    for i, (conf, source) in enumerate(runs):
        problems = Problems()
        try:
            content = build_content(read_issue(source), conf, problems)
        except IssueError:
            continue   # a page the corpus test shows failing cleanly
        mjml, _ = render_html(content, conf, problems)
        out = tmp_path / f"{i:03d}-{source.stem}.mjml"
        out.write_text(mjml, encoding="utf-8")
        written.append(out)
    return written


def test_theme_mjml_passes_strict_validation(mjml_cli, tmp_path):
    files = emitted_mjml(tmp_path)
    assert len(files) >= 3
    result = subprocess.run(
        [str(mjml_cli), *map(str, files), "--config.validationLevel=strict", "-s"],
        capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, f"MJML strict validation failed:\n{result.stderr}"
    assert result.stdout.count("<!doctype html>") == len(files)


def test_the_validator_does_reject_bad_mjml(mjml_cli, tmp_path):
    bad = tmp_path / "bad.mjml"
    bad.write_text('<mjml><mj-body><mj-section><mj-column><mj-text nonsense="1">x</mj-text>'
                   "</mj-column></mj-section></mj-body></mjml>")
    result = subprocess.run([str(mjml_cli), str(bad), "--config.validationLevel=strict", "-s"],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode != 0 and "nonsense" in result.stderr
