"""Safe .wpk reading: hostile archives are refused before anything is extracted (DESIGN 3.4)."""

from __future__ import annotations

import io
import zipfile

import pytest

from governance.archive import ArchiveError, ArchiveLimits, read_archive
from tests.governance.conftest import build_zip


def reason(data: bytes, limits: ArchiveLimits | None = None) -> str:
    with pytest.raises(ArchiveError) as caught:
        read_archive(data, limits)
    assert caught.value.message  # every refusal says what to fix
    return caught.value.reason_code


def test_a_normal_package_is_read_in_memory_by_path_and_by_bytes(tmp_path):
    data = build_zip({"wpk.toml": "[package]\n", "steps/post.py": "print(1)\n"})
    path = tmp_path / "p.wpk"
    path.write_bytes(data)
    for source in (data, path, str(path)):
        archive = read_archive(source)
        assert archive.members == {"wpk.toml": b"[package]\n", "steps/post.py": b"print(1)\n"}
    assert list(tmp_path.iterdir()) == [path]  # nothing extracted


def test_absolute_paths_are_refused():
    assert reason(build_zip({"/etc/passwd": "x"})) == "absolute_path"
    assert reason(build_zip({"C:/Windows/evil.dll": "x"})) == "absolute_path"


def test_parent_directory_components_are_refused():
    assert reason(build_zip({"steps/../../evil.py": "x"})) == "path_traversal"
    assert reason(build_zip({"..\\evil.py": "x"})) == "path_traversal"


def test_symbolic_links_are_refused():
    assert reason(build_zip({"link": "/etc/passwd"}, symlinks=("link",))) == "symlink"


def test_too_many_members_are_refused():
    members = {f"f{i}.txt": "x" for i in range(6)}
    assert reason(build_zip(members), ArchiveLimits(max_members=5)) == "too_many_files"


def test_total_uncompressed_size_over_the_limit_is_refused():
    members = {f"f{i}.txt": "abcdefgh" * 200 for i in range(3)}
    limits = ArchiveLimits(max_uncompressed_bytes=4000, max_compression_ratio=10_000)
    assert reason(build_zip(members), limits) == "uncompressed_too_large"


def test_a_zip_bomb_member_is_refused_by_its_compression_ratio():
    assert reason(build_zip({"bomb.txt": b"\0" * 2_000_000})) == "compression_ratio"


def test_an_oversized_upload_is_refused_before_it_is_opened():
    data = build_zip({"a.txt": "x"})
    assert reason(data, ArchiveLimits(max_compressed_bytes=len(data) - 1)) == "too_large"


def test_duplicate_names_are_refused_even_when_only_the_case_differs():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("steps/a.py", "1")
        zf.writestr("steps/A.py", "2")
    assert reason(buffer.getvalue()) == "duplicate_name"


def test_encrypted_members_are_refused():
    data = bytearray(build_zip({"a.txt": "x"}))
    # Set the "encrypted" flag bit in the local header and the central directory entry.
    data[6] |= 0x1
    central = data.rfind(b"PK\x01\x02")
    data[central + 8] |= 0x1
    assert reason(bytes(data)) == "encrypted"


def test_garbage_is_not_a_zip():
    assert reason(b"definitely not a zip file") == "not_a_zip"


def test_a_member_that_lies_about_its_size_is_refused():
    data = bytearray(build_zip({"a.txt": "hello world, hello world"}))
    central = data.rfind(b"PK\x01\x02")
    # Shrink the declared uncompressed size in the central directory to 5 bytes.
    data[central + 24 : central + 28] = (5).to_bytes(4, "little")
    assert reason(bytes(data)) == "corrupt_member"


def test_the_error_names_the_member_and_the_fix():
    with pytest.raises(ArchiveError) as caught:
        read_archive(build_zip({"../x.py": "x"}))
    assert "'../x.py'" in caught.value.message and "inside the package root" in caught.value.message


from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


def _archive(compression: int) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as zf:
        zf.writestr("wpk.toml", "[package]\nname = 'x'\n")
        zf.writestr("steps/", "")
        zf.writestr("steps/a.py", "print('hello world')\n" * 20)
    return buffer.getvalue()


BASES = [_archive(c) for c in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA)]


@settings(max_examples=400, deadline=None)
@given(
    st.sampled_from(BASES),
    st.lists(st.tuples(st.floats(0, 1, exclude_max=True), st.integers(0, 255)), min_size=1, max_size=8),
)
def test_a_corrupted_archive_is_read_or_refused_never_crashes(base: bytes, flips):
    data = bytearray(base)
    for where, value in flips:
        data[int(where * len(data))] = value
    try:
        read_archive(bytes(data))
    except ArchiveError as exc:
        assert exc.reason_code and exc.message
