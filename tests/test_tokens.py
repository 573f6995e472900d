"""render/tokens.py against the HTML standard's tokenizer, as html5lib writes it out.

The tokenizer is hand-written for speed (its docstring says why), so it is
held to a reference: html5lib's tokenizer, driven the way html5lib's tree
builder drives it (switched to RAWTEXT/RCDATA after `style`, `title`, ...).
For every input both must find the same tags with the same attributes,
comments and doctypes in the same order, and the same text between them;
and joining the tokens must give the input back exactly.
"""
from __future__ import annotations

import html
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from html5lib._tokenizer import HTMLTokenizer
from html5lib.constants import tokenTypes

from newsletter.render.tokens import Token, join, tokenize

GOLDEN = Path(__file__).parent / "golden"
_NAMES = {value: key for key, value in tokenTypes.items()}
_RAWTEXT = {"style", "script", "xmp", "iframe", "noembed", "noframes"}
_RCDATA = {"title", "textarea"}


def reference(source: str) -> list[tuple]:
    """html5lib's reading: ("start", name, attrs, self-closing), ("end", name),
    ("comment",), ("doctype",), ("text", characters)."""
    tokenizer = HTMLTokenizer(source)
    out: list[tuple] = []
    for token in tokenizer:
        kind = _NAMES[token["type"]]
        if kind == "StartTag":
            out.append(("start", token["name"], sorted(token["data"].items()),
                        token["selfClosing"]))
            # What html5lib's tree builder does for these elements.
            if token["name"] in _RAWTEXT:
                tokenizer.state = tokenizer.rawtextState
            elif token["name"] in _RCDATA:
                tokenizer.state = tokenizer.rcdataState
            elif token["name"] == "plaintext":
                tokenizer.state = tokenizer.plaintextState
        elif kind == "EndTag":
            out.append(("end", token["name"]))
        elif kind in ("Characters", "SpaceCharacters"):
            if out and out[-1][0] == "text":
                out[-1] = ("text", out[-1][1] + token["data"])
            else:
                out.append(("text", token["data"]))
        elif kind == "Comment":
            out.append(("comment",))
        elif kind == "Doctype":
            out.append(("doctype",))
    return out


def ours(source: str) -> list[tuple]:
    """The same reading from render/tokens.py."""
    out: list[tuple] = []
    in_raw = False
    for token in tokenize(source):
        if token.kind == "start":
            attrs: dict[str, str] = {}
            for name, value in token.attrs:
                attrs.setdefault(name, "" if value is None else value)   # the first one counts
            out.append(("start", token.tag, sorted(attrs.items()), token.closed))
            in_raw = token.tag in _RAWTEXT | {"plaintext"}
        elif token.kind == "end":
            out.append(("end", token.tag))
            in_raw = False
        elif token.kind == "text":
            # RAWTEXT is read as it stands; elsewhere character references count.
            text = token.raw if in_raw else html.unescape(token.raw)
            if out and out[-1][0] == "text":   # around a `</>`, which is nothing
                out[-1] = ("text", out[-1][1] + text)
            else:
                out.append(("text", text))
        elif token.kind == "comment":
            out.append(("comment",))
        elif token.raw[:9].lower() == "<!doctype":
            out.append(("doctype",))
        # else `</>` or a tag the document ends in: the standard emits nothing
    return out


def same(source: str) -> None:
    assert join(tokenize(source)) == source
    assert ours(source) == reference(source), source


# Pieces that reach every tokenizer state the emails can: tags with every
# kind of attribute, comments and their abrupt ends, bogus comments,
# raw text elements and end tags in the middle of words.
PIECES = ["<", ">", "/", "!", "-", "--", "?", "=", '"', "'", " ", "\n", "\t", "a", "b", "p",
          "x", "<p", "<a ", "</", "</p", "</a>", "<br/>", "<img src=x>", 'href="', "title='",
          "<!--", "-->", "--!>", "<!-->", "<!doctype html>", "<!DOCTYPE", "<?", "<![CDATA[",
          "<style>", "</style>", "</STYLE ", "<title>", "</title>", "<textarea>", "<script>",
          "</script>", "<xmp>", "</xmp", "<div class=", "c=d", " e ", "A=1", "/>", "<b/", "é",
          # character references, which attributes read by their own rules
          "&", "&amp", "&amp;", "&copy", "&copyx", "&notin", "&notin;", "&#65", "&#x42;", "x"]
documents = st.lists(st.sampled_from(PIECES), max_size=40).map("".join)


@settings(max_examples=3000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents)
def test_matches_the_standard_on_generated_markup(source):
    same(source)


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",),
                                      blacklist_characters="\r\x00&")))
def test_any_text_comes_back_whole(source):
    # \r, NUL and `&` are left out of the comparison only: the standard
    # rewrites them before tokenizing (line endings, U+FFFD, references).
    same(source)


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_joining_gives_the_input_back(source):
    assert join(tokenize(source)) == source


@pytest.mark.parametrize("source", [
    '<p title="a>b" data-x=\'c"d\' e=f g>text</p>',
    '<a href=x/>y</a>',                    # `/` belongs to the unquoted value
    '<br/><br /><img src="a"/>',
    '<p a="1" A="2">',                     # the first of two counts
    '<p =x>', '<p "a"=1>', '<p a=>', '<p a= >', '<p a="x"b="y">',
    '<style>p > a { color: red } </p></style><p>after</p>',
    '<title>a <b> &amp; c</title>', '<style>x</style', '<style>x</styles></style>',
    '<!-- a -- b --!> c', '<!--> x', '<!---> x', '<!-- never closed',
    '<!doctype html><html>', '<?xml version="1.0"?>', '</1 x>', '</>', '</', 'a < b',
    '<a title="never closed>and the rest</a>', '<a b', '<!--[if mso]><b>x</b><![endif]-->',
    '<a t="?a=1&copy=2 &copyx &copy &amp &ampx; &#65 &#x42;z &notit; &notin; &notin">',
])
def test_matches_the_standard_on_hand_picked_markup(source):
    same(source)


def test_matches_the_standard_on_every_golden_email():
    emails = sorted(GOLDEN.glob("*.html"))
    assert emails, "tests/golden/*.html are missing"
    for path in emails:
        same(path.read_text(encoding="utf-8"))


def test_an_unterminated_tag_is_one_token_not_a_shorter_tag():
    # A quote the document never closes: the standard drops the whole tag,
    # so it must not end at the `>` inside the quote.
    tokens = tokenize('<p>x</p><a title="y>z')
    assert [t.kind for t in tokens] == ["start", "text", "end", "other"]


def test_edited_attributes_are_escaped_and_read_back():
    token = tokenize('<a href="x" title=t>')[0]
    token.set_attrs([("href", 'a"b<c>&d'), ("title", None)])
    assert token.raw == '<a href="a&quot;b&lt;c&gt;&amp;d" title>'
    assert token.attrs == [("href", 'a"b<c>&d'), ("title", None)]
    assert tokenize(token.raw)[0].attrs == token.attrs


def test_a_token_shows_what_it_is():
    assert repr(Token("text", "x")) == "Token('text', 'x')"
