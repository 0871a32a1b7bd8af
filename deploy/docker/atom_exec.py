#!/opt/venv/bin/python
"""atom-exec PROGRAM [ARG ...]: run PROGRAM with the environment `atom` gives the processes it starts.

Dagster's webserver, daemon and code location and the metrics exporter are not `atom` commands: in a
container they start on their own, not under `atom orchestrator`. atom-exec does for each what
`atom orchestrator` does before it starts one (cli/services.py `start`):

1. resolve the settings as every `atom` command does: variables, then <NAME>_FILE files, then the vault
   (DESIGN 4, decision 0072);
2. lay out ATOM_HOME (`Settings.ensure_dirs`, which writes the home's dagster.yaml with the warehouse pool);
3. exec PROGRAM with `subprocess_env()`: every path explicit, and DAGSTER_PG_URL resolved from
   DAGSTER_PG_URL(_FILE) or from ATOM_DATABASE_URL + ATOM_DATABASE_PASSWORD(_FILE).

So no password is written into compose.yaml or a Kubernetes manifest. DAGSTER_PG_URL is still in the
environment of Dagster's processes once they run, because Dagster's own storage configuration reads it
only from there ({env: DAGSTER_PG_URL}); that is the one exception decision 0072 names, as under
`atom orchestrator`. Every other secret stays a file or a vault entry that each child reads itself.

DAGSTER_HOME: an instance the deployment configured (a dagster.yaml under $DAGSTER_HOME, as compose mounts
one) is kept; otherwise the home's own, $ATOM_HOME/dagster, as `atom orchestrator` uses locally.
"""

import os
import sys
from pathlib import Path


def main(argv: list[str]) -> int:
    if not argv or argv[0] in ("-h", "--help"):
        print(__doc__)
        return 0 if argv else 2
    from atom.secrets import SecretsError
    from atom.settings import get_settings, subprocess_env

    try:
        settings = get_settings()
        settings.ensure_dirs()
    except SecretsError as exc:  # names what was looked up, never a value
        print(f"error: {exc}", file=sys.stderr)
        return 1
    given = os.environ.get("DAGSTER_HOME")
    keep = {"DAGSTER_HOME": given} if given and (Path(given) / "dagster.yaml").is_file() else {}
    os.execvpe(argv[0], argv, subprocess_env(settings, **keep))
    return 127  # not reached


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
