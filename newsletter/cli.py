"""The command line: each command parses options and calls one function."""
from __future__ import annotations

from pathlib import Path

import click

from . import __version__
from .config import load_config
from .errors import NewsletterError, Problems


def report(problems: Problems, strict: bool = False) -> None:
    for problem in problems:
        if problem.level == "error" and problem.id == "input":
            # A file that could not be read at all: one `Error: path:line: message`.
            where = f"{problem.path}:{problem.line}" if problem.line else problem.path
            click.echo(f"Error: {where}: {problem.message}", err=True)
        else:
            click.echo(str(problem), err=True)
    if strict and problems.warnings and not problems.errors:
        raise NewsletterError(f"{len(problems.warnings)} warning(s) and --strict is on")


config_option = click.option("--config", "config_path", type=click.Path(dir_okay=False),
                             default=None, help="Config file (default: ./newsletter.toml).")


@click.group()
@click.version_option(__version__, prog_name="newsletter")
def main() -> None:
    """Turn Markdown issue files into paste-ready newsletter emails."""


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@config_option
@click.option("--output", "-o", "output_dir", default=None, help="Output folder (default: build).")
@click.option("--platform", default=None, help="Mailing service whose merge tags to write.")
@click.option("--site-url", default=None, help="Base URL for relative links such as /uploads/x.jpg.")
@click.option("--strict", is_flag=True, default=None, help="Treat warnings as errors.")
def build(paths, config_path, output_dir, platform, site_url, strict) -> None:
    """Build PATHS (default: the newest issue in issues/) into build/<issue>/."""
    from .build import build as run_build

    problems = Problems()
    config = load_config(config_path, problems, output_dir=output_dir, platform=platform,
                         site_url=site_url)
    result = run_build(list(paths), config, problems)
    report(result.problems)
    for email, folder in result.built:
        click.echo(f"built {folder}/email.html ({email.size / 1024:.1f} KB of "
                   f"{config.size_budget_kb} KB budget), email.txt, email.mjml")
    if result.failed:
        if len(result.failed) == 1 and not result.built:
            raise click.exceptions.Exit(1)   # its error above says it all
        raise NewsletterError(f"{len(result.failed)} of {len(result.failed) + len(result.built)} "
                              f"issue(s) failed: " + ", ".join(result.failed))
    if strict and result.problems.warnings:
        raise NewsletterError(f"{len(result.problems.warnings)} warning(s) and --strict is on")


@main.command()
@click.argument("title")
@config_option
def new(title, config_path) -> None:
    """Write issues/<today>-<slug>.md, ready to fill in."""
    from .scaffold import new_issue

    config = load_config(config_path)
    path = new_issue(title, config)
    click.echo(f"wrote {path}")
