"""What every check reads: the Issue, its Content and Email, and where to report.

In: what the build made. Out: `Ctx`, which checks report through by id and line.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..config import Config
from ..content.model import Content, flatten
from ..errors import Problem, Problems
from ..render.email import Email
from ..source.issue import Issue


@dataclass
class Ctx:
    issue: Issue
    content: Content | None
    email: Email | None
    config: Config
    found: Problems = field(default_factory=Problems)
    allow_missing_unsubscribe: bool = False

    def __post_init__(self):
        self.body = self.issue.body.split("\n")
        self.text = _visible_lines(self.body)

    def add(self, level: str, line, id: str, message: str) -> None:
        self.found.append(Problem(self.issue.display, line, level, id, message))

    def find(self, start: int, *needles: str) -> int:
        """The first file line from `start` holding one of `needles`, else `start`."""
        first = max(start - self.issue.body_line, 0)
        for needle in needles:
            if not needle:
                continue
            for i in range(first, min(first + 80, len(self.body))):
                if needle in self.body[i]:
                    return self.issue.body_line + i
        return start

    def all_blocks(self):
        """Every block of the content, nested ones included, in reading order."""
        return flatten(self.content.blocks())


def _visible_lines(lines: list[str]) -> list[str]:
    """Body lines with fenced code and HTML comments blanked; readers see neither."""
    text = re.sub(r"<!--.*?-->", lambda m: re.sub(r"[^\n]", " ", m.group()),
                  "\n".join(lines), flags=re.S)
    out, fenced = [], False
    for line in text.split("\n"):
        if line.lstrip().startswith(("```", "~~~")):
            fenced = not fenced
            out.append("")
        else:
            out.append("" if fenced else line)
    return out
