"""Issue + Content + Email -> Problems: preflight checks, one module per family.

`run_checks` receives what the build made and never builds anything: source
checks (front matter, subject, leftovers) need only the Issue; content
checks (links, images, dates) the Content; output checks the finished Email.
"""
from __future__ import annotations

import fnmatch

from ..config import Config
from ..content.model import Content
from ..errors import Problems, ignore_list
from ..render.email import Email
from ..source.issue import Issue
from .content import front_matter, images, link_addresses, link_text, subject
from .context import Ctx
from .output import check_email
from .sample import leftover_sample
from .text import bidi, date_past, event_past, leftovers, link_source, weekdays


def output(ctx: Ctx) -> None:
    check_email(ctx.content, ctx.email, ctx.config, ctx.found, ctx.allow_missing_unsubscribe)


# Checks that need only the issue run even when the body can't be built.
ISSUE_CHECKS = [front_matter, subject, leftovers, leftover_sample, bidi]
CONTENT_CHECKS = [link_text, link_addresses, link_source, images, event_past, date_past,
                  weekdays]
EMAIL_CHECKS = [output]


def run_checks(issue: Issue, content: Content | None, email: Email | None, config: Config,
               found: Problems | None = None, allow_missing_unsubscribe: bool = False) -> Problems:
    """The build's findings plus every check's, less silenced ones, by line."""
    found = found if found is not None else (content.problems if content else Problems())
    ctx = Ctx(issue, content, email, config, Problems(found), allow_missing_unsubscribe)
    checks = ISSUE_CHECKS + (CONTENT_CHECKS if content is not None else []) + \
        (EMAIL_CHECKS if email is not None else [])
    for run in checks:
        run(ctx)
    own = issue.meta.get("check")
    everywhere = ignore_list(config.check.get("ignore"))
    # An issue's own list silences only findings in that issue, not in
    # newsletter.toml or a template; newsletter.toml's list silences any.
    here = everywhere + ignore_list(own.get("ignore") if isinstance(own, dict) else None)
    out, seen = Problems(), set()
    for problem in sorted(ctx.found, key=lambda p: (p.path != issue.display, p.line or 0)):
        ignored = here if problem.path == issue.display else everywhere
        silenced = problem.level != "error" and \
            any(fnmatch.fnmatchcase(problem.id, pattern) for pattern in ignored)
        if problem not in seen and not silenced:
            seen.add(problem)
            out.append(problem)
    return out
