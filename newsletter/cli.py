"""The command line: each command parses options and calls one function."""
from __future__ import annotations

from pathlib import Path

import click

from . import __version__
from .config import load_config
from .errors import NewsletterError, Problems


def report(problems: Problems, strict: bool = False) -> None:
    for problem in problems:
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


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--since", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="First day of the digest, YYYY-MM-DD.")
@click.option("--until", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="Last day of the digest (default: --as-of).")
@click.option("--days", type=click.IntRange(min=1), default=None,
              help="The N days up to --as-of, instead of --since/--until.")
@click.option("--as-of", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="Today, for --days and for dropping past events (default: today).")
@click.option("--include-unpublished", is_flag=True, help="Also use files with published: false.")
@click.option("--dated-by", type=click.Choice(["front-matter", "file-name"]),
              default="front-matter",
              help="Date files by front matter 'date' (else file name), or by file name first.")
@config_option
@click.option("--output", "-o", "output_dir", default=None, help="Output folder (default: build).")
@click.option("--platform", default=None, help="Mailing service whose merge tags to write.")
def digest(paths, since, until, days, as_of, include_unpublished, dated_by, config_path,
           output_dir, platform) -> None:
    """Gather the files of a date range (default folder: issues/) into one email."""
    import datetime as dt

    from .digest import make_digest

    as_of = as_of.date() if as_of else dt.date.today()
    if days is not None and (since or until):
        raise click.UsageError("give either --days or --since/--until, not both")
    if days is not None:
        since, until = as_of - dt.timedelta(days=days - 1), as_of
    elif since is None:
        raise click.UsageError("give --since DATE (and --until DATE), or --days N")
    else:
        since, until = since.date(), until.date() if until else as_of
    problems = Problems()
    config = load_config(config_path, problems, output_dir=output_dir, platform=platform)
    try:
        email, folder, digest = make_digest(list(paths), config, since, until, as_of,
                                            include_unpublished, problems, dated_by)
    finally:
        report(problems)
    if problems.errors:
        raise NewsletterError(f"digest not written: {len(problems.errors)} error(s)")
    extra = "".join(f", {name}" for name in email.attachments)
    click.echo(f"built {folder}/email.html ({email.size / 1024:.1f} KB of "
               f"{config.size_budget_kb} KB budget), email.txt, email.mjml{extra}")
