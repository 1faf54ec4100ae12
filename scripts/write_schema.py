"""Write the JSON Schema of an initializer identifier to schemas/initializer.schema.json.

Run after changing any config model:  python scripts/write_schema.py
(tests/test_schema.py fails while the checked-in file is stale.)
"""

from __future__ import annotations

import json
from pathlib import Path

import initspec

SCHEMA_PATH = Path(__file__).resolve().parent.parent / "schemas" / "initializer.schema.json"


def render() -> str:
    """The schema as it is checked in: sorted keys, two-space indent, trailing newline."""
    return json.dumps(initspec.json_schema(), indent=2, sort_keys=True) + "\n"


if __name__ == "__main__":
    SCHEMA_PATH.parent.mkdir(exist_ok=True)
    SCHEMA_PATH.write_text(render(), encoding="utf-8")
    print(f"wrote {SCHEMA_PATH}")
