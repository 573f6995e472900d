"""YAML text -> values and each key's line, read once by libyaml where it can.

In: front matter text. Out: its values and the lines its keys are on, from
one pass of libyaml's parser (PyYAML's CSafeLoader) when PyYAML has it: it
is several times faster than the pure-Python loader, and the text is
composed once, where it used to be parsed twice (once for the values, once
for the key lines). When libyaml refuses the text, `fast_load` returns None
and source/issue.py reads it again with the pure-Python loader, whose
messages and lines its error reporting is written for. The guards against
alias bombs and self-reference (`check_aliases`) run on the composed nodes.
"""
from __future__ import annotations

from typing import Any

import yaml

# What YAML aliases (*name) may add to the front matter, in values plus
# characters: a few lines of nested aliases can otherwise stand for gigabytes.
MAX_ALIAS_GROWTH = 1_000_000


class LenientDates:
    """An impossible date such as 2026-13-45 stays a string (PyYAML raises
    ValueError); the date readers then report its line."""

    def construct_yaml_timestamp(self, node):
        try:
            return yaml.constructor.SafeConstructor.construct_yaml_timestamp(self, node)
        except ValueError:
            return self.construct_scalar(node)


class TooBig(Exception):
    def __init__(self, line: int, message: str):
        super().__init__(message)
        self.line = line


def check_aliases(root: yaml.Node) -> None:
    """Refuse a document whose aliases expand it by more than MAX_ALIAS_GROWTH
    (the "billion laughs": each of ten lines lists the line above ten times),
    or that contains itself (`&a [*a]`), before anything walks it.

    PyYAML shares an aliased node rather than copying it, so the document is
    small in memory; it is what reads it (str(), joining a list) that would
    expand it. Sizes are counted once per node, depth first without recursion.
    """
    size: dict[int, int] = {}         # id(node) -> values plus characters, expanded
    own = 0                           # the same, counting each node once
    open_: set[int] = set()           # nodes whose children are being counted
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        key = id(node)
        if isinstance(node, yaml.ScalarNode):
            if key not in size:
                size[key] = 1 + len(node.value)
                own += size[key]
            continue
        children = node.value if isinstance(node, yaml.SequenceNode) else \
            [part for pair in node.value for part in pair]
        if children_done:
            open_.discard(key)
            size[key] = 1 + sum(size[id(child)] for child in children)
            own += 1
            if size[key] - own > MAX_ALIAS_GROWTH:
                raise TooBig(node.start_mark.line + 2, "YAML aliases (*name) make the front "
                              f"matter over {MAX_ALIAS_GROWTH:,} values and characters long; "
                              "write the values out instead")
        elif key in open_:
            raise TooBig(node.start_mark.line + 2, "a YAML alias (*name) in the front matter "
                          "refers to the value it is part of")
        elif key not in size:
            open_.add(key)
            stack.append((node, True))
            stack.extend((child, False) for child in children)


class _FastLoader(LenientDates, getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
    """libyaml's parser (when PyYAML has it) with _Loader's constructors: the
    front matter is composed once, in C, then checked and constructed."""


_FastLoader.add_constructor("tag:yaml.org,2002:timestamp", LenientDates.construct_yaml_timestamp)


def fast_load(front: str) -> tuple[Any, dict[str, list[int]]] | None:
    """Values and key lines from one libyaml pass; None when libyaml refuses
    the text, so the pure-Python loader says why in its own words."""
    loader = _FastLoader(front)
    try:
        node = loader.get_single_node()
        if node is None:
            return None, {}
        check_aliases(node)
        return loader.construct_document(node), lines_of(node)
    except (yaml.YAMLError, RecursionError):
        return None   # read again below, for the message and line PyYAML gives
    finally:
        loader.dispose()


def lines_of(node: yaml.Node) -> dict[str, list[int]]:
    lines: dict[str, list[int]] = {}
    for key, _ in node.value if isinstance(node, yaml.MappingNode) else []:
        lines.setdefault(str(key.value), []).append(key.start_mark.line + 2)
    return lines
