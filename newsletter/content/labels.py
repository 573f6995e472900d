"""Button labels for action cards: what a "click HERE" link is for.

A card's button must say what it does. The link text usually does; when it
is "HERE" or a bare URL, the words around the link do ("sign the petition
HERE" -> "Sign the petition").
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit


from ..source.markup import Element, Node, text_of
from .placeholders import readable

GENERIC_TEXT = {"here", "click here", "this link", "link", "this", "read more", "more",
                "click", "learn more", "click this link", "go", "link here", "website",
                # "here" in the languages volunteers most often write in
                "aquí", "aqui", "haga clic aquí", "ici", "cliquez ici", "hier", "qui",
                "clique aqui", "هنا", "здесь", "тут"}
STOP_WORDS = {"to", "the", "a", "an", "of", "and", "or", "for", "with", "at", "on", "in",
              "about", "against", "by", "from", "your", "our", "their", "is", "are", "and/or"}
# Words that say nothing as a whole label ("See www.example.org" -> "See").
LONE_VERBS = {"see", "visit", "at", "go to", "check", "via", "on", "see also", "info", "more info at"}

@dataclass
class Button:
    href: str
    label: str


def says_nothing(text: str) -> bool:
    """True for "here", "Click here!" and the like, whatever the case and punctuation."""
    return " ".join(_PUNCTUATION.sub(" ", text.lower()).split()) in GENERIC_TEXT


_PUNCTUATION = re.compile(r"[^\w\s]")


def is_generic(text: str) -> bool:
    return says_nothing(text) or bool(re.match(r"^(https?://|www\.)", text.strip()))


def choose_button(nodes: list[Node], found: list[Element]) -> Button:
    """The item's main link and a label that says what it does."""
    generic = [a for a in found if is_generic(text_of(a.children))]
    link = generic[-1] if generic else found[-1]
    href = link.attrs["href"]
    text = " ".join(text_of(link.children).split())
    if href.startswith("mailto:") and text.lower() == href[len("mailto:"):].lower():
        return Button(href, "Email " + text)
    if href.startswith("tel:") and not re.search(r"[a-z]", text, re.I):
        return Button(href, f"Call {text or href[len('tel:'):]}")
    # "RSVP here", "Click here to donate": the words around "here" are the action.
    short = re.sub(r"^(please\s+)?click\s+(here\s+)?(to\s+)?|\s+here$", "", text, flags=re.I)
    if len(readable(short)) > 50:
        # A long title: its first clause ("Candidate Forum - all candidates").
        short = re.split(r"\s[-\u2013\u2014|]\s|[:;,.!?]\s", short)[0]
    # A placeholder is a long sentinel here; measure what readers will see.
    if short and not is_generic(short) and len(readable(short)) <= 50:
        return Button(href, short[0].upper() + short[1:])
    return Button(href, describe(text_of(nodes), text, href))


def describe(item_text: str, link_text: str, href: str) -> str:
    """A button label from the words around a 'click HERE' link."""
    item_text = " ".join(item_text.split())
    # The last whole-word match: "here" must not be found inside "where".
    found = list(re.finditer(rf"(?<!\w){re.escape(link_text)}(?!\w)", item_text)) if link_text else []
    at = found[-1].start() if found else -1
    if at >= 0:
        # An aside in parentheses is never the action.
        before = re.sub(r"\([^()]*\)", "", item_text[:at])
        before = re.sub(r"(\b(please|click)\s*)+$", "", before, flags=re.I)
        # An address is no label, and its dots would split it into "com".
        before = re.sub(r"(https?://|www\.)\S+|\b[\w-]+(\.[a-z]{2,})+\b", "", before, flags=re.I)
        if re.search(r"[:,\u2013\u2014|]\s*$", before):
            # "Sign the petition: click here", "To RSVP, click here": the
            # phrase before the colon names the action, "and" included
            # ("Call script and numbers:"), but not before a comma
            # ("for more info and to RSVP, click here").
            stops = r"[.!?;:()|]|\band\b" if before.rstrip().endswith(",") else r"[.!?;:()|]"
            before = re.split(stops, before.rstrip(" :,\u2013\u2014|"))[-1]
            before = re.sub(r"^\s*(to|for)\s+", "", before, flags=re.I)
        else:
            before = re.split(r"[.!?:;()|\u2013\u2014]|,|\band\b", before)[-1]
        words = [w for w in before.split()
                 if w.lower() not in ("click", "please", "here") and re.search(r"\w", w)]
        if not words:
            after = re.split(r"[.!?;:()]", item_text[at + len(link_text):])[0]
            words = after.split()
            if words and words[0].lower() in ("to", "for"):
                words = words[1:]
        while len(" ".join(words)) > 40:
            words.pop()
        while words and words[-1].lower().strip(",") in STOP_WORDS:
            words.pop()
        label = " ".join(words).strip(" ,")
        if 2 <= len(label) <= 40 and not is_generic(label) and label.lower() not in LONE_VERBS:
            return label[0].upper() + label[1:]
    host = urlsplit(href).netloc or href
    if href.startswith("mailto:"):
        return "Send an email"
    return "Visit " + re.sub(r"^www\.", "", host)
