"""Email -> problems with what the service receives: tags it can't fill,
required tags missing from a part, and the size against Gmail's clip.

In: the Content and the built Email. Out: findings in Problems.
"""
from __future__ import annotations

from pathlib import Path

from ..config import Config
from ..content.model import Content
from ..errors import Problems
from ..render import gate, platforms
from ..render.email import Email
from ..render.html import default_templates
from ..source.issue import display_path

GMAIL_CLIP = 102 * 1024


def check_email(content: Content, email: Email, config: Config, problems: Problems,
                allow_missing_unsubscribe: bool = False) -> None:
    """Every check of the finished parts."""
    platform = platforms.get_platform(config.platform)
    check_platform(content, config, platform, email.missing, problems)
    check_required(content, platform, {"html": email.html, "text": email.text}, problems,
                   allow_missing_unsubscribe, config)
    check_size(email, config, problems)
    if not any(p.level == "error" and p.path == content.source for p in problems):
        for violation in gate.violations(email, platform, config, allow_missing_unsubscribe):
            problems.error(content.source, None, "unsafe-output",
                           f"refused to write this email: {violation}. If your own templates "
                           f"({display_path(config.templates_path)}/) changed it, put it back; "
                           "otherwise this is a bug in newsletter: please report it with the "
                           "issue file")


def check_platform(content: Content, config: Config, platform, missing: list[str],
                   problems: Problems) -> None:
    """Placeholders the service can't fill: the issue's were reported already,
    so these come from templates; point at the template line."""
    reported = " ".join(p.message for p in problems if p.id == "platform-tag")
    for name in missing:
        if f"[[{name}" in reported:
            continue   # the issue's own placeholder, reported with its line
        if not platform.strict:
            # The fix is in the config (a URL) or a fallback (a first name).
            problems.warn(config.source or "newsletter.toml", None, "platform-tag",
                          f"platform '{platform.name}' has no tag for [[{name}]]; "
                          + platforms.how_to_fill(name, "choose a platform"))
            continue
        path, line = platforms.locate_in_templates(
            name, [config.templates_path, default_templates()])
        if Path(path).is_relative_to(default_templates()):
            # Not a file the user has; name it as the README's theme table does.
            path = "default theme: " + Path(path).relative_to(default_templates()).as_posix()
        else:
            path = display_path(Path(path))
        problems.error(path, line, "platform-tag",
                       f"{platform.name} has no tag for [[{name}]]; "
                       + platforms.how_to_fill(name, "remove it from the template"))
    if not config.postal_address:
        problems.warn(config.source or "newsletter.toml", None, "postal-address",
                      "no postal_address in newsletter.toml; anti-spam laws (CAN-SPAM, "
                      "CASL) want a postal address in the footer of bulk mail")


def check_required(content: Content, platform, parts: dict[str, str], problems: Problems,
                   allow: bool, config: Config | None = None) -> None:
    for part, tag in platforms.missing_required(platform, parts):
        footer = "templates/partials/footer.mjml"
        if config is not None:
            footer = display_path(config.templates_path / "partials" / "footer.mjml")
        message = (f"{platform.name} refuses to send without {tag} in the {part.upper()} part "
                   f"(email.{'html' if part == 'html' else 'txt'}), and this email has none; "
                   f"put <a href=\"[[unsubscribe_url]]\">Unsubscribe</a> back in your footer "
                   f"template ({footer})")
        if allow:
            problems.warn(content.source, None, "required-tag",
                          message + " (allowed by --allow-missing-unsubscribe)")
        else:
            problems.error(content.source, None, "required-tag",
                           message + ", or pass --allow-missing-unsubscribe if the service "
                           "adds its own unsubscribe link")


def check_size(email: Email, config: Config, problems: Problems) -> None:
    budget = config.size_budget_kb * 1024
    size = email.size   # the HTML encoded: measured once
    kb = size / 1024
    if size > GMAIL_CLIP:
        problems.error(email.source, None, "size",
                       f"HTML is {kb:.1f} KB; Gmail clips messages over 102 KB and hides "
                       "the rest, footer and unsubscribe link included; shorten the issue "
                       "or split it in two")
    elif size > budget:
        problems.warn(email.source, None, "size",
                      f"HTML is {kb:.1f} KB, over the {config.size_budget_kb} KB budget; "
                      "services add their own markup and Gmail clips at 102 KB")
