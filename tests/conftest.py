"""Shared fixtures: a CLI runner, a throwaway workspace, the shared corpus."""
from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
SEED = SHARED / "seed" / "2019-07-14-support-immigration-justice.md"
CORPUS = SHARED / "corpus" / "acton"


def pytest_addoption(parser):
    parser.addoption("--regen-golden", action="store_true", default=False,
                     help="rewrite tests/golden/* from the current output")


@pytest.fixture
def regen_golden(request) -> bool:
    return request.config.getoption("--regen-golden")


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def workspace(tmp_path, monkeypatch) -> Path:
    """An empty newsletter folder (issues/ and a minimal newsletter.toml), as cwd."""
    (tmp_path / "issues").mkdir()
    (tmp_path / "newsletter.toml").write_text(
        'org_name = "Test Group"\npostal_address = "1 Test St, Testville"\n'
        'site_url = "https://example.org/"\nunsubscribe_url = "https://example.org/unsub"\n')
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def seed() -> Path:
    if not SEED.is_file():
        pytest.skip(f"../shared is not beside the project ({SEED} missing); "
                    "the real-page tests need it")
    return SEED


@pytest.fixture
def corpus() -> Path:
    if not CORPUS.is_dir():
        pytest.skip("../shared/corpus/acton is not beside the project; "
                    "the corpus tests need it")
    return CORPUS


def write_issue(folder: Path, name: str, text: str) -> Path:
    path = folder / "issues" / name
    path.write_text(text, encoding="utf-8")
    return path
