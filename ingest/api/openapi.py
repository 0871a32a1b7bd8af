"""Write the API's OpenAPI document: ``python -m ingest.api.openapi docs/openapi.json``.

The spec depends only on the code, so it is generated on a throwaway ATOM_HOME; the committed copy is
checked against the served one by tests/api/test_openapi.py.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path
from typing import Any

from atom.settings import Settings
from ingest.api.app import create_app


def render(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def generate() -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as home:
        app = create_app(Settings(ATOM_HOME=home), migrate_db=False)  # type: ignore[call-arg]
        document = app.openapi()
        app.state.ctx.recent_ids.close()
        return document


def main(argv: list[str]) -> int:
    text = render(generate())
    if len(argv) > 1:
        Path(argv[1]).write_text(text)
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
