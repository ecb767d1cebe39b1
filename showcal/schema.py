"""The data format as a JSON Schema, for editors: completion, hover help and checks as you type.

Written from the same table the checker walks (`rules.py`), so the two
cannot drift; `showcal.schema.json` at the repository root is this
module's output, and a test keeps it current. Regenerate it with

    python -m showcal.schema > showcal.schema.json

Draft-07, the newest draft yaml-language-server (VS Code's YAML extension,
Neovim, Helix...) fully supports; JetBrains IDEs read it too. The schema
catches what an editor can see in one file: unknown keys, unknown kinds,
missing keys, wrong types, dates that are not dates, keys that do not go
together. `showcal validate` remains the full check (dates that do not
exist, time zones, limits, duplicates across files).
"""

from __future__ import annotations

import json
from typing import Any

from .rules import FILE, SHAPES, Shape

DRAFT = "http://json-schema.org/draft-07/schema#"


def schema() -> dict[str, Any]:
    root = {"$schema": DRAFT, "title": "showcal data"}
    root.update(_shape(FILE))
    root["definitions"] = {shape.name: _shape(shape) for shape in SHAPES if shape is not FILE}
    return root


def _shape(shape: Shape) -> dict[str, Any]:
    properties = {}
    for key in shape.keys:
        described = dict(key.value.schema())
        described["description"] = key.about
        if key.example is not None:
            described["examples"] = [key.example, *(e for e in described.get("examples", ()) if e != key.example)]
        properties[key.name] = described
    out: dict[str, Any] = {
        "type": "object",
        "description": shape.about,
        "properties": properties,
        "additionalProperties": False,
    }
    if shape.required:
        out["required"] = list(shape.required)
    if shape.rules:
        out["allOf"] = [rule.schema() for rule in shape.rules]
    return out


def render() -> str:
    return json.dumps(schema(), indent=2, ensure_ascii=False) + "\n"


if __name__ == "__main__":
    print(render(), end="")
