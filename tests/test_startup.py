"""Start-up: what `--help` imports, and the cache of compiled templates.

In: the CLI and the bundled sample issues, run as real processes.
Out: pass/fail; no timings (benchmarks/startup.py prints those).
"""
from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT

HEAVY = ("jinja2", "markdown_it", "mjml", "css_inline", "email.policy", "yaml")


def python(code: str, cwd: Path, **env) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], cwd=cwd, capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(ROOT), **env}, check=True)


def test_help_imports_no_heavy_module(tmp_path):
    # Each --help in the same process, then what it had to import.
    code = ("import sys\nfrom newsletter.cli import main\n"
            "for args in [[]] + [[c] for c in main.commands]:\n"
            "    try:\n        main(args + ['--help'])\n    except SystemExit:\n        pass\n"
            f"print([m for m in {HEAVY!r} if m in sys.modules])\n"
            "print(sorted(m for m in sys.modules if m.startswith('newsletter.')))")
    out = python(code, tmp_path).stdout
    assert out.count("Usage:") >= 9 and "Build PATHS" in out and "Send yourself a test" in out
    # Neither a heavy library nor any part of the pipeline.
    assert out.strip().splitlines()[-2:] == ["[]", "['newsletter.cli', 'newsletter.errors']"]


@pytest.fixture
def project(tmp_path) -> Path:
    shutil.copytree(ROOT / "issues", tmp_path / "issues")
    shutil.copy(ROOT / "newsletter.toml", tmp_path)
    return tmp_path


def build(project: Path, cache: Path) -> str:
    """email.html of the first sample issue, built in a process of its own."""
    issue = sorted((project / "issues").glob("*.md"))[0]
    subprocess.run([sys.executable, "-m", "newsletter", "build", str(issue)], cwd=project,
                   env={**os.environ, "PYTHONPATH": str(ROOT), "XDG_CACHE_HOME": str(cache)},
                   capture_output=True, check=True)
    return (project / "build" / issue.stem / "email.html").read_text()


def test_compiled_templates_are_cached_privately_and_never_stale(project, tmp_path):
    cache = tmp_path / "cache"
    first = build(project, cache)
    folder = cache / "newsletter" / "templates"
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    files = sorted(folder.iterdir())
    assert files and all(stat.S_IMODE(f.stat().st_mode) & 0o077 == 0 for f in files)
    # The footer holds placeholders, marked with the process's nonce: never written.
    defaults = [p for p in (ROOT / "templates").rglob("*") if p.is_file()]
    with_placeholders = [p for p in defaults if "[[" in p.read_text()]
    assert with_placeholders and len(files) < len(defaults)
    # Read from the cache, the same email.
    times = [f.stat().st_mtime_ns for f in files]
    assert build(project, cache) == first
    assert [f.stat().st_mtime_ns for f in files] == times
    # An edited template, its modification time put back: the edit shows.
    (project / "templates" / "partials").mkdir(parents=True)
    header = ROOT / "templates" / "partials" / "header.mjml"
    mine = project / "templates" / "partials" / "header.mjml"
    shutil.copy2(header, mine)
    assert build(project, cache) == first
    mine.write_text(header.read_text().replace(">{{ config.org_name }}", ">EDITED {{ config.org_name }}"))
    os.utime(mine, ns=(header.stat().st_atime_ns, header.stat().st_mtime_ns))
    assert "EDITED" in build(project, cache)


def test_an_unusable_cache_is_no_cache(project, tmp_path):
    reference = build(project, tmp_path / "good")
    # Damaged files: compiled afresh, and the same email.
    for path in (tmp_path / "good" / "newsletter" / "templates").iterdir():
        path.write_bytes(path.read_bytes()[:40])
    assert build(project, tmp_path / "good") == reference
    # A cache folder others may write to is not used (nor repaired).
    shared = tmp_path / "shared" / "newsletter" / "templates"
    shared.mkdir(parents=True)
    shared.chmod(0o777)
    assert build(project, tmp_path / "shared") == reference
    assert not any(shared.iterdir())
    # Where no folder can be made, no cache at all.
    (tmp_path / "file").write_text("")
    assert build(project, tmp_path / "file") == reference
