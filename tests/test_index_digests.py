"""Index files are hashed once per version (issue 19: opening a 10M catalogue read 19 GB each
time): the digest is remembered with the file's inode, size, mtime and ctime, and any change
through the file system — even one that restores the mtime — is hashed again."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from sane_desktop.retrieval.indexing import digests
from sane_desktop.retrieval.indexing.digests import DIGESTS, verified_hash
from sane_desktop.retrieval.indexing.scan import file_hash


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """Every file the digests module reads and hashes."""
    read: list[Path] = []
    monkeypatch.setattr(digests, "file_hash", lambda path: read.append(path) or file_hash(path))
    return read


def test_a_file_is_read_once_while_it_is_unchanged(tmp_path: Path, counted: list[Path]) -> None:
    path = tmp_path / "a.faiss"
    path.write_bytes(os.urandom(1 << 16))
    assert verified_hash(path) == file_hash(path)
    assert verified_hash(path) == file_hash(path) and counted == [path]  # the second answer is remembered
    assert (tmp_path / DIGESTS).is_file()


def test_a_changed_byte_is_seen_even_with_its_mtime_restored(tmp_path: Path, counted: list[Path]) -> None:
    path = tmp_path / "a.faiss"
    path.write_bytes(bytes(4096))
    before = verified_hash(path)
    stamp = os.stat(path)
    data = bytearray(path.read_bytes())
    data[100] ^= 0x01
    path.write_bytes(bytes(data))
    os.utime(path, ns=(stamp.st_atime_ns, stamp.st_mtime_ns))  # same size, same mtime: only ctime moved
    after = verified_hash(path)
    assert after != before and after == file_hash(path) and len(counted) == 2


def test_a_copy_in_place_is_hashed_again(tmp_path: Path, counted: list[Path]) -> None:
    path, other = tmp_path / "a.faiss", tmp_path / "b"
    path.write_bytes(b"one" * 1000)
    other.write_bytes(b"two" * 1000)
    verified_hash(path)
    os.replace(other, path)  # another file (another inode) under the same name
    assert verified_hash(path) == file_hash(path) and len(counted) == 2


@pytest.mark.parametrize("record", ["not json", "[1, 2]", '{"a.faiss": {"identity": [], "sha256": "00"}}'])
def test_a_foreign_or_broken_record_is_ignored_and_rewritten(tmp_path: Path, counted: list[Path], record: str) -> None:
    path = tmp_path / "a.faiss"
    path.write_bytes(b"index" * 100)
    (tmp_path / DIGESTS).write_text(record)
    assert verified_hash(path) == file_hash(path) and len(counted) == 1
    assert verified_hash(path) == file_hash(path) and len(counted) == 1  # remembered now


def test_a_missing_file_raises_as_before(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        verified_hash(tmp_path / "gone.faiss")


def test_a_read_only_mount_still_verifies(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """On a read-only mount (a copied catalogue on read-only media) writing the record fails with
    EROFS, and so does even unlinking a temp file that was never made: the hash is still returned
    (a trial found the catalogue refused as "cannot be read" instead)."""
    import errno

    target = tmp_path / "index.faiss"
    target.write_bytes(b"vectors")

    def read_only(*_args: object, **_kwargs: object) -> None:
        raise OSError(errno.EROFS, "Read-only file system")

    monkeypatch.setattr(Path, "write_text", read_only)
    monkeypatch.setattr(Path, "unlink", read_only)
    assert verified_hash(target) == file_hash(target)
    assert not (tmp_path / DIGESTS).exists()


def test_a_folder_where_no_record_can_be_kept_is_hashed_once_per_version_of_a_file(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Each explanation checks the index files against their manifest (index_state.refuse_changed_files):
    in a folder where ``.digests.json`` cannot be written (a read-only mount) that re-read every file each
    time. This process keeps what it hashed, by the file's identity."""
    from sane_desktop.retrieval.indexing import digests

    path = tmp_path / "x.faiss"
    path.write_bytes(b"vectors" * 1000)
    hashed: list[str] = []
    real = digests.file_hash
    monkeypatch.setattr(digests, "file_hash", lambda p: hashed.append(str(p)) or real(p))
    monkeypatch.setattr(digests, "_write", lambda folder, record: None)  # nothing can be kept on disk
    first = digests.verified_hash(path)
    assert digests.verified_hash(path) == first and len(hashed) == 1
    path.write_bytes(b"other vectors")  # a new version of the file: read again
    assert digests.verified_hash(path) != first and len(hashed) == 2
