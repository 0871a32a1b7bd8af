"""Files that are never seen half-written: the storage helper of the landing zone and the artifact store.

A file is written to a hidden temporary name in its final directory, flushed to disk, then renamed over
its final name, and the directory is flushed too: a reader never sees half a file, and a crash after the
rename loses nothing that was acknowledged (DESIGN 2).
"""

from __future__ import annotations

import fcntl
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def atomic_path(final_path: Path) -> Iterator[Path]:
    """Yield a temporary path beside ``final_path``; on success fsync it and rename it into place."""
    final_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = final_path.parent / f".{final_path.name}.{uuid.uuid4().hex}.tmp"
    try:
        yield tmp
        with open(tmp, "rb+") as handle:
            os.fsync(handle.fileno())
        os.replace(tmp, final_path)
        fsync_dir(final_path.parent)
    finally:
        tmp.unlink(missing_ok=True)


def fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextmanager
def exclusive_lock(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``path`` (created private if missing) across processes until the block ends;
    the kernel releases it if the process dies."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # releases the lock
