"""Safe reading of a ``.wpk`` zip archive, entirely in memory (DESIGN 3.4).

Archives are hostile until proven otherwise, and extraction itself has been an attack vector
(zip-slip, symlink escapes, zip bombs). Nothing here writes to disk: members are checked against
:class:`ArchiveLimits` from the central directory *before* any byte is decompressed, and the
decompressed size is enforced again while reading, because the central directory can lie.
The intake API calls :func:`read_archive` before it stores an upload: this is the one implementation.
"""

from __future__ import annotations

import io
import lzma
import stat
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath


@dataclass(frozen=True)
class ArchiveLimits:
    max_compressed_bytes: int = 20 * 1024 * 1024
    max_members: int = 1000
    max_uncompressed_bytes: int = 100 * 1024 * 1024
    max_member_bytes: int = 20 * 1024 * 1024
    # Text compresses about 3-10x; 100x and above is what zip bombs look like.
    max_compression_ratio: float = 100.0
    max_path_length: int = 255


class ArchiveError(ValueError):
    """The archive cannot be accepted; ``reason_code`` is stable, ``message`` says what to fix."""

    def __init__(self, reason_code: str, message: str) -> None:
        super().__init__(message)
        self.reason_code = reason_code
        self.message = message

    def __str__(self) -> str:
        return f"{self.reason_code}: {self.message}"


@dataclass(frozen=True)
class Archive:
    """The members of a checked archive, by normalised POSIX path, in archive order."""

    members: dict[str, bytes] = field(default_factory=dict)
    compressed_bytes: int = 0

    @property
    def uncompressed_bytes(self) -> int:
        return sum(len(data) for data in self.members.values())


def _check_name(name: str, limits: ArchiveLimits) -> str:
    if "\x00" in name:
        raise ArchiveError("bad_path", f"member {name!r} has a NUL byte in its name; rename it")
    if len(name) > limits.max_path_length:
        raise ArchiveError(
            "bad_path", f"member path longer than {limits.max_path_length} characters: {name[:60]}…"
        )
    # Windows separators and drive letters would escape on a Windows extractor.
    posix = name.replace("\\", "/")
    if posix.startswith("/") or (len(posix) > 1 and posix[1] == ":"):
        raise ArchiveError(
            "absolute_path", f"member {name!r} has an absolute path; store paths relative to the root"
        )
    parts = PurePosixPath(posix).parts
    if ".." in parts:
        raise ArchiveError(
            "path_traversal", f"member {name!r} contains '..'; store paths inside the package root"
        )
    return "/".join(part for part in parts if part not in ("", "."))


def read_archive(source: bytes | Path | str, limits: ArchiveLimits | None = None) -> Archive:
    """Check and read every regular file of a zip archive given as bytes or a path.

    Raises :class:`ArchiveError` on the first rule the archive breaks.
    """
    limits = limits or ArchiveLimits()
    data = Path(source).read_bytes() if isinstance(source, (str, Path)) else bytes(source)
    if len(data) > limits.max_compressed_bytes:
        raise ArchiveError(
            "too_large",
            f"archive is {len(data):,} bytes; the limit is {limits.max_compressed_bytes:,}: "
            "remove build output, data files and vendored dependencies",
        )
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError, EOFError) as exc:
        raise ArchiveError(
            "not_a_zip", f"not a readable zip archive ({exc}); build the .wpk with the SDK"
        ) from exc
    with zf:
        infos = zf.infolist()
        if len(infos) > limits.max_members:
            raise ArchiveError(
                "too_many_files", f"archive has {len(infos):,} members; the limit is {limits.max_members:,}"
            )
        seen: set[str] = set()
        declared_total = 0
        checked: list[tuple[zipfile.ZipInfo, str]] = []
        for info in infos:
            name = _check_name(info.filename, limits)
            mode = info.external_attr >> 16
            if stat.S_ISLNK(mode):
                raise ArchiveError(
                    "symlink", f"member {info.filename!r} is a symbolic link; ship the file itself"
                )
            # Many zip writers store only permission bits (no file type); only a stated special type is refused.
            if stat.S_IFMT(mode) and not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
                raise ArchiveError(
                    "special_file", f"member {info.filename!r} is not a regular file or directory"
                )
            if info.flag_bits & 0x1:
                raise ArchiveError(
                    "encrypted", f"member {info.filename!r} is encrypted; packages must be readable"
                )
            key = name.lower()
            if key in seen:
                # Case-insensitive: two names that collide on macOS or Windows are ambiguous too.
                raise ArchiveError("duplicate_name", f"member {info.filename!r} appears more than once")
            seen.add(key)
            # (ZipInfo.is_dir() fails on an empty name, which a corrupted directory can hold.)
            if not name or info.filename.endswith("/"):
                continue
            if info.file_size > limits.max_member_bytes:
                raise ArchiveError(
                    "member_too_large",
                    f"member {name!r} is {info.file_size:,} bytes uncompressed; the limit is {limits.max_member_bytes:,}",
                )
            ratio = info.file_size / max(info.compress_size, 1)
            if info.file_size > 1024 and ratio > limits.max_compression_ratio:
                raise ArchiveError(
                    "compression_ratio",
                    f"member {name!r} expands {ratio:,.0f}x (limit {limits.max_compression_ratio:,.0f}x); "
                    "this looks like a zip bomb",
                )
            declared_total += info.file_size
            if declared_total > limits.max_uncompressed_bytes:
                raise ArchiveError(
                    "uncompressed_too_large",
                    f"archive expands to more than {limits.max_uncompressed_bytes:,} bytes; ship less",
                )
            checked.append((info, name))
        members: dict[str, bytes] = {}
        for info, name in checked:
            members[name] = _read_member(zf, info, name, limits)
    return Archive(members=members, compressed_bytes=len(data))


def _read_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo, name: str, limits: ArchiveLimits) -> bytes:
    # Read at most declared size + 1 byte: a member that inflates beyond what it declared is refused.
    try:
        with zf.open(info) as handle:
            content = handle.read(info.file_size + 1)
    except (
        zipfile.BadZipFile,
        zlib.error,
        lzma.LZMAError,
        NotImplementedError,
        RuntimeError,
        OSError,
        EOFError,
        ValueError,
    ) as exc:
        raise ArchiveError(
            "corrupt_member", f"member {name!r} cannot be read ({exc}); rebuild the archive"
        ) from exc
    if len(content) != info.file_size:
        raise ArchiveError(
            "corrupt_member", f"member {name!r} does not match its declared size; rebuild the archive"
        )
    return content
