"""``atom-dbt``: dbt's own command line, with the warehouse's location left out of partial parsing's check.

dbt reuses its last parse (``partial_parse.msgpack`` in the target folder) only when a hash of the profile's
connection settings is unchanged. For DuckDB those include ``path``, the warehouse file's absolute path, so
every new or copied home threw away the project's parse and parsed all 237 files again: 3.3 s of a 7.5 s dbt
start on the 2-core machine, paid by each home's first build and by 60 of the test suite's 82 dbt runs.

Where the warehouse lives cannot change what the project parses to: no model or macro reads ``target.path``
(tests/dbt/test_partial_parse.py keeps it so), and the database name dbt derives from the file's name stays in
the hash. So this entry point hashes every connection setting but ``path``; everything else about dbt is
unchanged (docs/decisions/0099-one-parse-for-every-home.md). The build and ``atom.dbt_cli.run_dbt`` run dbt
through it.
"""

from __future__ import annotations

import pprint
import sys
from typing import Any

# Connection settings that say where the data is, not what the project means.
LOCATION_KEYS = frozenset({"path"})


def _profile_hash(credentials: Any) -> Any:
    from dbt.contracts.files import FileHash

    # As dbt computes it (dbt/parser/manifest.py, build_manifest_state_check), without the location keys.
    connection_keys = sorted(item for item in credentials.connection_info() if item[0] not in LOCATION_KEYS)
    return FileHash.from_contents(pprint.pformat(connection_keys))


def install() -> None:
    """Make this process's dbt leave the location keys out of its partial-parse check (idempotent): for
    ``main`` and for dbt run in-process (``dbtRunner``, tests/dbt)."""
    from dbt.parser.manifest import ManifestLoader

    build_state_check = ManifestLoader.build_manifest_state_check
    if getattr(build_state_check, "_atom_location_free", False):
        return

    def build_manifest_state_check(self: ManifestLoader) -> Any:
        state_check = build_state_check(self)
        state_check.profile_hash = _profile_hash(self.root_project.credentials)
        return state_check

    build_manifest_state_check._atom_location_free = True  # type: ignore[attr-defined]
    ManifestLoader.build_manifest_state_check = build_manifest_state_check  # type: ignore[method-assign]


def main() -> None:
    install()
    from dbt.cli.main import cli

    sys.exit(cli())


if __name__ == "__main__":
    main()
