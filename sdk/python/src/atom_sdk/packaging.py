"""Building a ``.wpk`` from a directory, reproducibly, and signing it (DESIGN 3.4, 3.5).

Reproducible: entries sorted by path, every timestamp 1980-01-01 00:00, every file mode 0644, fixed
deflate level, no directory entries and no extra fields. The same directory gives the same bytes, so
the same SHA-256 and signature: a partner can rebuild and prove what was published.
"""

from __future__ import annotations

import io
import os
import zipfile
from pathlib import Path, PurePosixPath

from atom_sdk.errors import PackageError
from atom_sdk.keys import sign_bytes
from atom_sdk.manifest import Manifest, validate_manifest

MANIFEST = "wpk.toml"
OUTPUT_DIR = "dist"
FIXED_DATE = (1980, 1, 1, 0, 0, 0)
FILE_MODE = 0o100644  # regular file, rw-r--r--
COMPRESS_LEVEL = 9
# The API's limits (governance/archive.py); refusing here saves an upload that would be refused there.
MAX_FILES = 1000
MAX_PATH_LENGTH = 255
MAX_ARCHIVE_BYTES = 20 * 1024 * 1024
# Never wanted in a package: caches, VCS metadata, editor litter, and the build output itself.
SKIP_DIRS = frozenset(
    {
        "__pycache__",
        ".git",
        ".hg",
        ".svn",
        ".venv",
        "node_modules",
        ".mypy_cache",
        ".pytest_cache",
        ".ruff_cache",
    }
)
SKIP_SUFFIXES = (".pyc", ".pyo", ".wpk", ".sig")
SKIP_NAMES = frozenset({".DS_Store", "Thumbs.db"})


def read_manifest(directory: Path) -> Manifest:
    path = directory / MANIFEST
    if not path.is_file():
        raise PackageError(f"{directory} has no {MANIFEST} at its root; a package needs one (DESIGN 3.4)")
    manifest, errors = validate_manifest(path.read_bytes())
    if manifest is None or errors:
        raise PackageError(f"{path} is not valid", errors)
    return manifest


def package_files(directory: Path) -> list[tuple[str, Path]]:
    """``(archive name, file)`` pairs, sorted by archive name; links are refused, as the API refuses them."""
    found: list[tuple[str, Path]] = []
    problems: list[str] = []
    for root, dirs, files in os.walk(directory, followlinks=False):
        root_path = Path(root)
        relative_root = root_path.relative_to(directory)
        kept = []
        for d in dirs:
            if (root_path / d).is_symlink():
                problems.append(
                    f"{(relative_root / d).as_posix()} is a symbolic link; copy its target instead"
                )
            elif d not in SKIP_DIRS and not (relative_root == Path(".") and d == OUTPUT_DIR):
                kept.append(d)
        dirs[:] = kept
        for name in files:
            path = root_path / name
            if name in SKIP_NAMES or name.endswith(SKIP_SUFFIXES):
                continue
            arcname = PurePosixPath(*(relative_root / name).parts).as_posix()
            if path.is_symlink():
                problems.append(f"{arcname} is a symbolic link; copy its target instead")
            elif not path.is_file():
                problems.append(f"{arcname} is not a regular file")
            elif len(arcname) > MAX_PATH_LENGTH:
                problems.append(f"{arcname[:60]}… is longer than {MAX_PATH_LENGTH} characters")
            else:
                found.append((arcname, path))
    if len(found) > MAX_FILES:
        problems.append(f"{len(found)} files; a package holds at most {MAX_FILES}")
    if problems:
        raise PackageError(f"{directory} cannot be packaged", problems)
    return sorted(found)


def archive_bytes(files: list[tuple[str, Path]]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for arcname, path in files:
            info = zipfile.ZipInfo(arcname, date_time=FIXED_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3  # unix, so external_attr means a POSIX mode everywhere
            info.external_attr = FILE_MODE << 16
            archive.writestr(info, path.read_bytes(), compresslevel=COMPRESS_LEVEL)
    return buffer.getvalue()


def build_package(directory: str | os.PathLike[str], output: str | os.PathLike[str] | None = None) -> Path:
    """Validate ``directory/wpk.toml`` and write ``<name>-<version>.wpk``; returns its path.

    ``output`` is a file path or an existing directory; by default ``directory/dist/``, which is
    itself never packaged.
    """
    source = Path(directory).resolve()
    if not source.is_dir():
        raise PackageError(f"{source} is not a directory; pass the folder that holds wpk.toml")
    manifest = read_manifest(source)
    files = package_files(source)
    if manifest.entrypoint and manifest.entrypoint not in {name for name, _ in files}:
        raise PackageError(
            f"workflow.entrypoint {manifest.entrypoint!r} is not in {source}; add the file or fix the path"
        )
    data = archive_bytes(files)
    if len(data) > MAX_ARCHIVE_BYTES:
        raise PackageError(
            f"the package is {len(data):,} bytes; the API accepts at most {MAX_ARCHIVE_BYTES:,}"
        )
    filename = f"{manifest.name}-{manifest.version}.wpk"
    if output is None:
        target = source / OUTPUT_DIR / filename
    else:
        target = Path(output)
        if target.is_dir():
            target = target / filename
    target.parent.mkdir(parents=True, exist_ok=True)
    # Temporary name then rename: an interrupted build never leaves a truncated .wpk behind.
    tmp = target.with_name(f".{target.name}.tmp-{os.getpid()}")
    with open(tmp, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    tmp.replace(target)
    return target


def sign_package(
    path: str | os.PathLike[str], private_key_pem: str | bytes, password: bytes | None = None
) -> str:
    """The DESIGN 3.5 detached signature of the file's exact bytes, as base64 text."""
    file = Path(path)
    if not file.is_file():
        raise PackageError(f"{file} does not exist; build it first with packages.build(directory)")
    return sign_bytes(file.read_bytes(), private_key_pem, password)
