"""An issue file's text -> Raw, by the reader for its format.

In: the file's path, its text (BOM gone, line breaks made `\n`) and the
`format` setting. Out: `Raw` (readers/common.py), which source/issue.py turns
into an Issue the same way whatever the format. One module per format, as
Pelican has one reader class per format; a format is told by the file's
first lines, never by its extension:

- `+++` opens Hugo's TOML front matter (hugo.py);
- `---` opens YAML front matter: Hugo's when it uses a key only Hugo has or
  the body has a Hugo shortcode, else Jekyll's, as every issue file so far (jekyll.py);
- `Key: value` lines naming a title or a date, then a blank line: Pelican or
  MultiMarkdown metadata (pelican.py);
- anything else is plain Markdown (markdown.py).
"""
from __future__ import annotations

from pathlib import Path

from . import hugo, jekyll, markdown, pelican
from .common import Raw

READERS = {"jekyll": jekyll.read, "pelican": pelican.read, "hugo": hugo.read,
           "markdown": markdown.read}
NAMES = {"jekyll": "Jekyll front matter", "pelican": "Pelican metadata",
         "hugo": "Hugo front matter", "markdown": "plain Markdown"}


def sniff(text: str) -> str:
    """The format a file's first lines say it is in."""
    first = text.split("\n", 1)[0].rstrip()
    if first == "+++":
        return "hugo"
    if first == "---":
        return "hugo" if hugo.looks_like_yaml(text) else "jekyll"
    if pelican.looks_like(text):
        return "pelican"
    return "markdown"


def read(path: Path, text: str, format: str = "auto") -> Raw:
    """The file read by its format's reader; `format` "auto" sniffs it."""
    raw = READERS[sniff(text) if format == "auto" else format](path, text)
    if raw.format != "jekyll":
        from . import shortcodes   # late: Jekyll files, the usual kind, never need it
        # Jekyll files never meant Hugo's shortcodes, and must build as before.
        raw.body = shortcodes.convert(raw.body)
    return raw
