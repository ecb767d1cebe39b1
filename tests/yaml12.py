"""YAML as an editor's YAML 1.2 reads it: dates stay text, only true/false are booleans, 017 is seventeen.

The JSON Schema is checked against data loaded this way, since that is
what yaml-language-server and JetBrains IDEs validate.
"""

from __future__ import annotations

import re

import yaml


class Yaml12Loader(yaml.SafeLoader):
    """PyYAML's safe loader with the YAML 1.2 core schema's implicit types instead of YAML 1.1's."""


Yaml12Loader.yaml_implicit_resolvers = {}
_TYPES = {
    "tag:yaml.org,2002:null": (r"~|null|Null|NULL|", "~nN"),
    "tag:yaml.org,2002:bool": (r"true|True|TRUE|false|False|FALSE", "tTfF"),
    "tag:yaml.org,2002:int": (r"[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+", "-+0123456789"),
    "tag:yaml.org,2002:float": (
        r"[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)",
        "-+0123456789.",
    ),
}
for _tag, (_pattern, _first) in _TYPES.items():
    Yaml12Loader.add_implicit_resolver(
        _tag, re.compile(f"^(?:{_pattern})$"), list(_first) + ([""] if "~" in _first else [])
    )


def _int(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> int:
    value = loader.construct_scalar(node)
    if value.startswith(("0o", "0x")):
        return int(value[2:], 8 if value[1] == "o" else 16)
    return int(value)


def _float(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> float:
    value = loader.construct_scalar(node).lower()
    if value.endswith("inf"):
        return float("-inf") if value.startswith("-") else float("inf")
    return float(value)


Yaml12Loader.add_constructor("tag:yaml.org,2002:int", _int)
Yaml12Loader.add_constructor("tag:yaml.org,2002:float", _float)


def load(text: str):
    return yaml.load(text, Loader=Yaml12Loader)
