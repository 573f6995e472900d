"""The command line: each command parses options and calls one function."""
from __future__ import annotations

import contextlib
import gc
from typing import TYPE_CHECKING

import click

from . import __version__
from .errors import IssueError, NewsletterError, Problems, UsageError, display_path, summary

if TYPE_CHECKING:
    from pathlib import Path


class PathType(click.Path):
    """click.Path(path_type=pathlib.Path), with pathlib imported only once a
    path is given: `newsletter --help` needs none, and it costs ~5 ms."""

    def coerce_path_result(self, value):
        from pathlib import Path
        return Path(value)


@contextlib.contextmanager
def loading_pipeline():
    """The cyclic garbage collector paused while the pipeline's modules load:
    they make no garbage, yet it would walk them some 60 times, ~10 ms of the
    ~0.3 s of `newsletter build ISSUE`."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def load_config(*args, **overrides):
    from .config import key_error, load_config as load   # late: YAML and zoneinfo slow `--help`
    from .render.platforms import get_platform
    config = load(*args, **overrides)
    if overrides.get("platform") is None:
        # A typo in newsletter.toml is reported at its line, not as if typed after --platform.
        try:
            get_platform(config.platform)
        except NewsletterError as exc:
            raise key_error(config, "platform", exc.message) from None
    return config


def report(problems: Problems) -> None:
    for problem in problems:
        if problem.level == "error" and problem.id == "input":
            # A file that could not be read at all: one `Error: path:line: message`.
            where = f"{problem.path}:{problem.line}" if problem.line else problem.path
            click.echo(f"Error: {where}: {problem.message}", err=True)
        else:
            click.echo(str(problem), err=True)


def echo_built(email, folder: Path, config) -> None:
    """`built build/x/email.html (...)`, the subject, and each .ics with the
    address the email links it at, which is where it must be uploaded."""
    from .content.calendar import ics_url

    extra = "".join(f", {name}" for name in email.attachments)
    click.echo(f"built {display_path(folder)}/email.html ({email.size / 1024:.1f} KB of "
               f"{config.size_budget_kb} KB budget), email.txt, email.mjml, email.eml{extra}")
    click.echo(f"  subject: {email.subject}")
    for name in email.attachments:
        if name.endswith(".ics"):
            url = ics_url(config, name.removesuffix(".ics"))
            click.echo(f"  upload {display_path(folder)}/{name} to {url}" if url else
                       f"  {display_path(folder)}/{name} is not linked from the email "
                       "(set site_url or ics_base_url to link it)")


PLATFORM_HELP = ("Mailing service whose merge tags to write: mailchimp, buttondown, listmonk, "
                 "sendy, mailerlite, kit, brevo or generic (default: newsletter.toml's platform).")

config_option = click.option("--config", "config_path", type=click.Path(dir_okay=False),
                             default=None, help="Config file (default: ./newsletter.toml).")


def digest_options(command):
    """The date range and file choice of a digest, for `digest`, `serve --digest`."""
    for option in reversed([
        click.option("--since", type=click.DateTime(["%Y-%m-%d"]), default=None,
                     help="First day of the digest, YYYY-MM-DD."),
        click.option("--until", type=click.DateTime(["%Y-%m-%d"]), default=None,
                     help="Last day of the digest (default: --as-of)."),
        click.option("--days", type=click.IntRange(min=1), default=None,
                     help="The N days up to --as-of, instead of --since/--until."),
        click.option("--as-of", type=click.DateTime(["%Y-%m-%d"]), default=None,
                     help="Today, for --days and for dropping past events (default: today)."),
        click.option("--include-unpublished", is_flag=True,
                     help="Also use files with published: false."),
        click.option("--dated-by", type=click.Choice(["front-matter", "file-name"]),
                     default="front-matter",
                     help="Date files by front matter 'date' (else file name), or by file "
                          "name first."),
    ]):
        command = option(command)
    return command


@click.group()
@click.version_option(__version__, prog_name="newsletter")
def main() -> None:
    """Turn Markdown issue files into paste-ready newsletter emails."""


@main.command()
@click.argument("paths", nargs=-1, type=PathType())
@config_option
@click.option("--output", "-o", "output_dir", default=None, help="Output folder (default: output_dir in newsletter.toml, else build).")
@click.option("--platform", default=None, help=PLATFORM_HELP)
@click.option("--site-url", default=None, help="Base URL for relative links such as /uploads/x.jpg.")
@click.option("--strict", is_flag=True, default=None, help="Treat warnings as errors.")
@click.option("--allow-missing-unsubscribe", is_flag=True, default=False,
              help="Build even when the platform's required unsubscribe tag is missing.")
@click.option("--screenshots", is_flag=True, default=False,
              help="Also save phone and desktop PNGs beside email.html (needs Chromium).")
@click.option("--all", "build_every", is_flag=True, default=False,
              help="Build every issue in issues/ that changed since the last build, "
                   "and the web archive.")
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=None,
              help="With --all: processes to build with (default: the number of cores).")
@click.option("--force", is_flag=True, default=False,
              help="With --all: build every issue, changed or not.")
def build(paths, config_path, output_dir, platform, site_url, strict,
          allow_missing_unsubscribe, screenshots, build_every, jobs, force) -> None:
    """Build PATHS (default: the newest issue in issues/) into build/<issue>/.

    With --all, build every issue in issues/ that changed, in parallel, and
    the web archive (build/site/).
    """
    with loading_pipeline():   # here, not at the top: keeps `newsletter --help` fast
        from .build import build as run_build

    if build_every or jobs or force:
        if paths or screenshots or not build_every:
            raise UsageError("--jobs and --force go with --all; --all takes no PATHS "
                             "and no --screenshots")
        return build_archive(config_path, output_dir, platform, site_url, strict,
                             allow_missing_unsubscribe, jobs, force)
    if screenshots:   # fail before building, not after
        from .screenshots import require_chromium
        require_chromium()

    problems = Problems()
    config = load_config(config_path, problems, output_dir=output_dir, platform=platform,
                         site_url=site_url)
    result = run_build(list(paths), config, problems,
                       allow_missing_unsubscribe=allow_missing_unsubscribe)
    report(result.problems)
    click.echo(summary(result.problems, len(result.built) + len(result.failed)), err=True)
    for email, folder in result.built:
        echo_built(email, folder, config)
    if screenshots and result.built:
        from .render.email import filled
        from .screenshots import write_screenshots
        shots = [(filled(email, config).html, folder) for email, folder in result.built]
        for path in write_screenshots(shots):
            click.echo(f"wrote {display_path(path)}")
    if result.failed:
        if len(result.failed) == 1 and not result.built:
            raise click.exceptions.Exit(1)   # its error above says it all
        raise NewsletterError(f"{len(result.failed)} of {len(result.failed) + len(result.built)} "
                              f"issue(s) failed: " + ", ".join(result.failed))
    if strict and result.problems.warnings:
        raise NewsletterError(f"{len(result.problems.warnings)} warning(s) and --strict is on")


def build_archive(config_path, output_dir, platform, site_url, strict, allow_missing_unsubscribe,
                  jobs, force) -> None:
    """`build --all` and `archive`: the batch, then its summary."""
    from .batch import build_all

    problems = Problems()
    config = load_config(config_path, problems, output_dir=output_dir, platform=platform,
                         site_url=site_url)
    report(problems)
    result = build_all(config, jobs=jobs, force=force,
                       allow_missing_unsubscribe=allow_missing_unsubscribe)
    click.echo(f"{result.built} built, {result.unchanged} unchanged, {len(result.failed)} failed "
               f"in {result.seconds:.1f} s; web archive in {display_path(result.archive)}/",
               err=True)
    for failure in result.failed:
        click.echo(f"  failed: {failure}", err=True)
    if result.failed:
        raise NewsletterError(f"{len(result.failed)} issue(s) failed")
    warnings = [p for p in problems + result.problems if p.level == "warning"]
    if strict and warnings:
        raise NewsletterError(f"{len(warnings)} warning(s) and --strict is on")


@main.command()
@config_option
@click.option("--output", "-o", "output_dir", default=None, help="Output folder (default: output_dir in newsletter.toml, else build).")
@click.option("--platform", default=None, help=PLATFORM_HELP)
@click.option("--site-url", default=None, help="Where the archive is published, e.g. https://example.org/news/.")
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=None,
              help="Processes to build with (default: the number of cores).")
@click.option("--force", is_flag=True, default=False, help="Build every issue, changed or not.")
def archive(config_path, output_dir, platform, site_url, jobs, force) -> None:
    """Build the web archive (build/site/): index, Atom feed, a page per issue.

    The same as `build --all`: every issue that changed is built, its email
    folder too, since the web version is made from the built email.
    """
    build_archive(config_path, output_dir, platform, site_url, False, False, jobs, force)


@main.command()
@click.argument("title")
@config_option
def new(title, config_path) -> None:
    """Write issues/<today>-<slug>.md, ready to fill in."""
    from .scaffold import new_issue

    config = load_config(config_path)
    path = new_issue(title, config)
    click.echo(f"wrote {display_path(path)}")


@main.command()
@click.argument("paths", nargs=-1, type=PathType())
@config_option
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on; keep 127.0.0.1 unless you mean to share it.")
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--platform", default=None, help=PLATFORM_HELP)
@click.option("--digest", "with_digest", is_flag=True, default=False,
              help="Also preview the digest of the date range the digest options give "
                   "(implied by --since, --until or --days).")
@digest_options
def serve(paths, config_path, host, port, platform, with_digest, since, until, days, as_of,
          include_unpublished, dated_by) -> None:
    """Preview PATHS (default: issues/) in a browser, rebuilding on save."""
    from .serve import DigestOptions, serve as run_server

    config = load_config(config_path, platform=platform)
    digest = DigestOptions(since and since.date(), until and until.date(), days,
                           as_of and as_of.date(), include_unpublished, dated_by) \
        if with_digest or any(v is not None for v in (since, until, days)) else None
    run_server(config, list(paths), host, port,
               reload=lambda problems: load_config(config_path, problems, platform=platform),
               echo=click.echo, digest=digest)


@main.command()
@click.argument("path", required=False, type=PathType())
@config_option
@click.option("--to", "to", multiple=True, help="Recipient of the test (repeatable).")
@click.option("--from", "sender", default=None, help="Sender address (default: [smtp] from).")
@click.option("--smtp-host", default=None, help="SMTP server (default: [smtp] host).")
@click.option("--smtp-port", default=None, type=click.IntRange(1, 65535),
              help="SMTP port (default: [smtp] port or 587).")
@click.option("--security", type=click.Choice(["starttls", "ssl", "none"]), default=None,
              help="Connection security (default: [smtp] security or starttls).")
@click.option("--insecure-auth", is_flag=True, default=False,
              help="Log in even with --security none, sending the password unencrypted "
                   "(only for a server on your own machine or network).")
@click.option("--platform", default=None, help=PLATFORM_HELP)
@click.option("--fill-tags/--raw-tags", default=True,
              help="Fill merge tags with their fallbacks, as a reader with no data sees them "
                   "(default), or send them as the service will receive them.")
@click.option("--no-prefix", is_flag=True, default=False,
              help="Leave out the '[TEST] ' before the subject.")
@click.option("--dry-run", is_flag=True, default=False,
              help="Print the headers and sizes; send and write nothing.")
def send(path, config_path, to, sender, smtp_host, smtp_port, security, insecure_auth,
         platform, fill_tags, no_prefix, dry_run) -> None:
    """Send yourself a test copy of PATH (default: the newest issue).

    PATH is an issue file or a folder that build or digest wrote. With no SMTP
    server configured it goes to the Maildir build/outbox/. The password is
    read from the NEWSLETTER_SMTP_PASSWORD environment variable.
    """
    from .source.issue import newest_issue_file
    from .send import send_issue

    problems = Problems()
    config = load_config(config_path, problems, platform=platform)
    path = path or newest_issue_file(config.issues_path)
    try:
        sent = send_issue(path, config, list(to), problems, insecure_auth=insecure_auth,
                          fill_tags=fill_tags, prefix=not no_prefix, dry_run=dry_run,
                          host=smtp_host, port=smtp_port, security=security,
                          **{"from": sender})
    finally:
        report(problems)   # the problems found, also when they stop the send
    msg = sent.message
    if sent.note:
        click.echo(f"note: {sent.note}", err=True)
    if sent.where == "dry-run":
        for name, value in msg.items():
            click.echo(f"{name}: {value}")
        for part in msg.iter_parts():
            size = len(part.get_payload(decode=True))
            click.echo(f"  {part.get_content_type()}: {size / 1024:.1f} KB")
        click.echo(f"dry run: {len(msg.as_bytes()) / 1024:.1f} KB in all; nothing sent")
    elif sent.where == "outbox":
        click.echo(f"wrote \"{msg['Subject']}\" for {msg['To']} to {display_path(sent.path)}; "
                   f"no SMTP server is configured, so nothing was sent: open the Maildir "
                   f"{display_path(sent.path.parent.parent)}/ in a mail client, or set "
                   f"[smtp] host in newsletter.toml")
    else:
        click.echo(f"sent \"{msg['Subject']}\" to {msg['To']}")

@main.command()
@click.argument("paths", nargs=-1, type=PathType())
@config_option
@click.option("--platform", default=None, help=PLATFORM_HELP)
@click.option("--site-url", default=None, help="Base URL for relative links such as /uploads/x.jpg.")
@click.option("--strict", is_flag=True, help="Fail on warnings too.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              help="json: a JSON array of problems on stdout, for CI.")
@click.option("--allow-missing-unsubscribe", is_flag=True, default=False,
              help="A missing required unsubscribe tag is a warning, as for build.")
def check(paths, config_path, platform, site_url, strict, fmt, allow_missing_unsubscribe) -> None:
    """Check PATHS (default: every issue in issues/) and list every problem."""
    import json

    with loading_pipeline():
        from .build import check_paths

    problems = Problems()
    try:
        config = load_config(config_path, problems, platform=platform, site_url=site_url)
    except IssueError as exc:
        if fmt != "json":
            raise
        # CI reading stdout still gets a JSON array, with the config error in it.
        problems.error(exc.path, exc.line, "input", exc.detail)
        click.echo(json.dumps([p.as_dict() for p in problems], indent=2, ensure_ascii=False))
        raise
    if not paths and not config.issues_path.is_dir():
        raise NewsletterError(f"no {config.issues_dir}/ folder here; name the files to check")
    found, files = check_paths(list(paths), config, allow_missing_unsubscribe)
    problems.extend(found)
    if fmt == "json":
        click.echo(json.dumps([p.as_dict() for p in problems], indent=2, ensure_ascii=False))
    else:
        for problem in problems:
            click.echo(str(problem))
    click.echo(summary(problems, files), err=fmt == "json")
    if problems.errors:
        raise NewsletterError(f"{len(problems.errors)} error(s) found")
    if strict and problems.warnings:
        raise NewsletterError(f"{len(problems.warnings)} warning(s) and --strict is on")


@main.command()
@click.argument("target", required=False, type=PathType())
@config_option
@click.option("--platform", default=None,
              help="Service to push to: buttondown, mailchimp, listmonk, mailerlite, kit, brevo "
                   "or sendy (default: newsletter.toml's platform). The email is built for it.")
@click.option("--dry-run", is_flag=True, default=False,
              help="Print the requests (key masked, body sizes) and send nothing.")
def push(target, config_path, platform, dry_run) -> None:
    """Create or update a DRAFT of TARGET (an issue, default the newest, or a built
    folder) in the mailing service. It never schedules or sends.

    The API key is read from the service's own variable (e.g. MAILCHIMP_API_KEY)
    or NEWSLETTER_API_KEY.
    """
    from .push.run import push_draft

    problems = Problems()
    config = load_config(config_path, problems, platform=platform)
    try:
        push_draft(target, config, problems, dry_run=dry_run, echo=click.echo)
    finally:
        report(problems)


@main.command()
@click.argument("paths", nargs=-1, type=PathType())
@digest_options
@config_option
@click.option("--output", "-o", "output_dir", default=None, help="Output folder (default: output_dir in newsletter.toml, else build).")
@click.option("--platform", default=None, help=PLATFORM_HELP)
def digest(paths, since, until, days, as_of, include_unpublished, dated_by, config_path,
           output_dir, platform) -> None:
    """Gather the files of a date range (default folder: issues/) into one email."""
    from .build_digest import digest_command

    problems = Problems()
    config = load_config(config_path, problems, output_dir=output_dir, platform=platform)
    try:
        email, folder, digest = digest_command(
            list(paths), config, problems, since=since and since.date(),
            until=until and until.date(), days=days, as_of=as_of and as_of.date(),
            include_unpublished=include_unpublished, dated_by=dated_by)
    finally:
        report(problems)
    if problems.errors:
        raise NewsletterError(f"digest not written: {len(problems.errors)} error(s)")
    echo_built(email, folder, config)
