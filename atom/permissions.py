"""The home is private to the account that runs the platform: directories 0700, files 0600 (issue 11).

``ATOM_HOME`` holds the operational DB (API key hashes, password hashes, invoices), the landing zone (every
tenant's usage), the package store, the warehouse and the snapshot. Before this, all of it was created with
the usual umask 022: readable by every account on the machine.

Two layers:

* :func:`restrict_umask` at every entry point (the ``atom`` command, the API's server factory). The umask is
  inherited by every child (uvicorn workers, Dagster's webserver, daemon and run workers, Streamlit, dbt)
  and applies to every library that creates files (SQLite and its WAL, DuckDB, tempfile, ``open``), so
  nothing needs its own ``chmod``.
* :func:`make_private_dirs` from ``Settings.ensure_dirs``: the home and its folders are 0700 even when the
  process's umask is not ours (a library caller), which alone keeps other accounts out of everything
  below; a home made before this fix is tightened once, when it is first found open.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable
from pathlib import Path

PRIVATE_UMASK = 0o077
_OPEN_BITS = stat.S_IRWXG | stat.S_IRWXO


def restrict_umask() -> int:
    """Add group and other to this process's umask (keeping any stricter bits); returns the old one."""
    old = os.umask(PRIVATE_UMASK)
    os.umask(old | PRIVATE_UMASK)
    return old


def is_open(path: Path) -> bool:
    """Whether ``path`` grants anything to group or other."""
    return bool(path.lstat().st_mode & _OPEN_BITS)


def _close(path: Path) -> None:
    mode = path.lstat().st_mode
    if stat.S_ISLNK(mode) or not mode & _OPEN_BITS:
        return
    os.chmod(path, stat.S_IMODE(mode) & ~_OPEN_BITS)


def make_private_dirs(home: Path, subdirs: Iterable[Path]) -> None:
    """Create ``home`` and each of ``subdirs`` (paths below it) as 0700, tightening any that exist, and
    every directory in between."""
    home.mkdir(mode=0o700, parents=True, exist_ok=True)
    _close(home)
    for subdir in subdirs:
        subdir.mkdir(mode=0o700, parents=True, exist_ok=True)
        try:
            between = subdir.relative_to(home).parts
        except ValueError:  # an override outside the home: only the folder itself
            _close(subdir)
            continue
        path = home
        for part in between:
            path = path / part
            _close(path)


def close_tree(paths: Iterable[Path]) -> None:
    """Remove group and other bits from each path and, for directories, everything below (links are
    neither followed nor changed). For upgrading a home made before the umask was set."""
    for top in paths:
        if not top.exists() or top.is_symlink():
            continue
        _close(top)
        if top.is_dir():
            for root, dirs, files in os.walk(top):
                for name in dirs + files:
                    _close(Path(root) / name)
