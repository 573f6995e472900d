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
        self._holds: dict[tuple[int, str], bool] = {}
        self._srcs: dict[int, list[int]] = {}

    def add(self, level: str, line, id: str, message: str) -> None:
        self.found.append(Problem(self.issue.display, line, level, id, message))

    def find(self, start: int, *needles: str) -> int:
        """The first file line from `start` holding one of `needles`, else `start`."""
        first = max(start - self.issue.body_line, 0)
        for needle in needles:
            if not needle:
                continue
            for i in range(first, min(first + 80, len(self.body))):
                if self.holds(i, needle):
                    return self.issue.body_line + i
        return start

    def holds(self, i: int, needle: str) -> bool:
        """`needle in self.body[i]`, remembered for long lines: a line of
        thousands of links was searched from its start for each of them."""
        if len(self.body[i]) < 1000:
            return needle in self.body[i]
        if (i, needle) not in self._holds:
            self._holds[i, needle] = needle in self.body[i]
        return self._holds[i, needle]

    def src_of(self, line: int, href: str) -> bool:
        r"""Whether `src=` is followed by `href` on the body's file line `line`,
        as re.search(rf"src\s*=\s*[\"']?{re.escape(href)}", text) would say.
        The places after each `src=` are found once per line, not per link."""
        i = line - self.issue.body_line
        if not 0 <= i < len(self.body):
            return False
        text = self.body[i]
        if i not in self._srcs:
            # After `src`, spaces, `=`: any of the spaces that follow, and the
            # character after them when it is a quote.
            self._srcs[i] = [p for m in re.finditer(r"src\s*=(\s*)", text)
                             for p in [*range(m.start(1), m.end() + 1),
                                       *([m.end() + 1] if text[m.end():m.end() + 1] in ("\"", "'") and
                                         m.end() < len(text) else [])]]
        return any(text.startswith(href, p) for p in self._srcs[i])

    def all_blocks(self):
        """Every block of the content, nested ones included, in reading order."""
        return flatten(self.content.blocks())


def _visible_lines(lines: list[str]) -> list[str]:
    """Body lines with fenced code and HTML comments blanked; readers see neither."""
    text = "\n".join(lines)
    # Comments are found by hand: re.sub(r"<!--.*?-->") scanned to the end of
    # the text from every "<!--" after one that is never closed (minutes for
    # 100,000 of them). Once no "-->" follows, no later comment can close.
    parts, done = [], 0
    while (start := text.find("<!--", done)) >= 0 and (end := text.find("-->", start + 4)) >= 0:
        end += 3
        parts += [text[done:start], re.sub(r"[^\n]", " ", text[start:end])]
        done = end
    text = "".join(parts) + text[done:]
    out, fenced = [], False
    for line in text.split("\n"):
        if line.lstrip().startswith(("```", "~~~")):
            fenced = not fenced
            out.append("")
        else:
            out.append("" if fenced else line)
    return out
