"""PyYAML's error -> one plain sentence a writer can act on, and its line.

In: the problem and context PyYAML gives, the line it points at, the error.
Out: the sentence (YAML's own wording is kept after it by the caller) and the
line to show, which for an unclosed quote is where the quote opens.
"""
from __future__ import annotations


def plain_yaml_error(problem: str, context: str, line: int, exc) -> tuple[str, int]:
    """PyYAML's usual complaints as one plain sentence, and the line to show."""
    if "mapping values are not allowed" in problem:
        # The usual cause by far: an unquoted title like `title: Vote: Yes`.
        return ("a value containing ': ' needs quotes, like title: \"Vote: yes\"", line)
    if "'\\t'" in problem:
        return "a tab is used here; YAML front matter is indented with spaces, never tabs", line
    if "quoted scalar" in context and getattr(exc, "context_mark", None):
        return "a quote opened on this line is never closed", exc.context_mark.line + 2
    if "expected key" in problem or "expected <block end>" in problem:
        return ("the indentation is uneven here; keys (and list items) at the same level "
                "start in the same column", line)
    return problem, line
