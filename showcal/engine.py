"""The engine: one mapping walked with its shape from `rules.py`.

Unknown, repeated and missing keys, each value read by its kind, then the
shape's rules between keys, all reported as problems; what reads well is
handed back for the checks that need more than a table (`when.py`,
`runs.py`).
"""

from __future__ import annotations

from typing import Any

import yaml

from .limits import shown
from .rules import Shape
from .values import NULL, STR, Report, node_kind, suggest


class Fields:
    """A mapping as read with its shape: key nodes, value nodes and the values that read well."""

    __slots__ = ("node", "path", "keys", "nodes", "values", "suggested", "refused", "rules_hold")

    def __init__(self, node: yaml.MappingNode, path: str) -> None:
        self.node = node
        self.path = path
        self.keys: dict[str, yaml.Node] = {}
        self.nodes: dict[str, yaml.Node] = {}
        self.values: dict[str, Any] = {}
        self.suggested: set[str] = set()
        self.refused = False
        self.rules_hold = True

    def __contains__(self, name: str) -> bool:
        return name in self.nodes

    def bad(self, name: str) -> bool:
        """Given, but with a problem already reported."""
        return name in self.nodes and self.values.get(name) is None


def read_mapping(report: Report, node: yaml.Node, shape: Shape, path: str) -> Fields | None:
    """Walk one mapping with its shape: unknown, repeated and missing keys, each value, then the rules."""
    if not isinstance(node, yaml.MappingNode):
        report.add(node, path, f"{shape.what} must be a mapping of keys to values, not {node_kind(node)}")
        return None
    fields = Fields(node, path)
    readers = shape.readers
    keys, nodes, values = fields.keys, fields.nodes, fields.values
    prefix = f"{path}." if path else ""
    for key, value in node.value:
        name = key.value if type(key) is yaml.ScalarNode else None
        if name in readers and name not in keys:
            keys[name] = key
            nodes[name] = value
            read = readers[name]
            if read is not None:
                values[name] = read(value, report, prefix + name, name)
        elif not isinstance(name, str) or key.tag not in (STR, NULL) and not name:
            report.add(key, path, "keys must be plain words")
        elif name in keys:
            first = keys[name].start_mark.line + 1
            report.add(key, prefix + name, f"duplicate key (first given on line {first}); keep one")
        else:
            _unknown(report, fields, shape, key, prefix + shown(name), name)
    for name in shape.required:
        if name not in keys and name not in fields.suggested:  # the unknown key's message says it already
            report.add(node, path, f"{shape.what} needs '{name}:'")
    given = {**dict.fromkeys(fields.suggested, node), **keys} if fields.suggested else keys
    if fields.refused:
        fields.rules_hold = False  # the refused key's message says what to write instead
    for rule in shape.rules if fields.rules_hold else ():
        if not rule.check(given, report, node, path):
            fields.rules_hold = False
            break
    return fields


def _unknown(report: Report, fields: Fields, shape: Shape, key: yaml.Node, path: str, name: str) -> None:
    if name in shape.refused:
        report.add(key, path, shape.refused[name])
        fields.refused = True
        return
    hint = suggest(name, shape.names)
    if hint:
        fields.suggested.add(hint.split("'")[1])
    else:
        hint = f"; allowed keys: {', '.join(shape.names)}"
    report.add(key, path, f"unknown key '{shown(name)}'{hint}")


def value_of(node: yaml.Node, key: str) -> yaml.Node | None:
    if not isinstance(node, yaml.MappingNode):
        return None
    return next((v for k, v in node.value if k.value == key and type(v) is yaml.ScalarNode), None)
