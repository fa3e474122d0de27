"""Bytes in and out: decoding that keeps every byte, and atomic writes."""

from __future__ import annotations

import contextlib
import operator
import os
import stat
from pathlib import Path
from typing import NamedTuple

from hardenfix.model import FileKind

try:
    import fcntl
except ImportError:  # Windows: temporaries of killed runs are left for the user to remove
    fcntl = None  # type: ignore[assignment]

BOM = "\ufeff"
UTF_8 = "utf-8"
TEMP_PREFIX = ".hardenfix-"
TEMP_SUFFIX = ".tmp"
MAX_FILE_BYTES = 8 * 1024 * 1024
"""Larger files are refused unread: no real Compose file, Dockerfile or hand-written
module comes near it, and parsing one would take seconds and hundreds of MB."""


class UnreadableFile(Exception):
    """The file cannot be processed; the message is the reason, without the path."""


class BinaryFile(UnreadableFile):
    """Not text: skipped, not an error."""


class WriteRefused(Exception):
    """The file was not written; the message is the reason, without the path."""


class DecodedText(NamedTuple):
    text: str
    """The file's text without its byte-order mark."""
    bom: bool
    encoding: str = UTF_8
    """What the file is written in: UTF-8, or what a Python source declares (PEP 263)."""

    def encode(self, text: str | None = None) -> bytes:
        body = self.text if text is None else text
        return ((BOM if self.bom else "") + body).encode(self.encoding)


def decode(data: bytes, kind: FileKind | None = None) -> DecodedText:
    """A file's text. A Python source is decoded as the interpreter decodes it (PEP 263:
    a UTF-8 byte-order mark, or a coding line among its first two lines, else UTF-8);
    Compose files and Dockerfiles are UTF-8, as Docker reads them."""
    if b"\0" in data:
        if data.startswith((b"\xff\xfe", b"\xfe\xff")):
            raise UnreadableFile("is UTF-16; hardenfix reads UTF-8 only")
        raise BinaryFile("contains NUL bytes: treated as binary")
    encoding = python_encoding(data) if kind is FileKind.PYTHON else UTF_8
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as error:
        name = "UTF-8" if encoding == UTF_8 else encoding
        raise UnreadableFile(f"is not valid {name} (byte 0x{data[error.start]:02x} at offset {error.start})") from None
    if encoding == UTF_8 and text.startswith(BOM):
        return DecodedText(text[1:], bom=True)
    return DecodedText(text, bom=False, encoding=encoding)


def python_encoding(data: bytes) -> str:
    """The encoding Python reads a module's bytes in (`tokenize.detect_encoding`)."""
    first_end = data.find(b"\n")
    second_end = data.find(b"\n", first_end + 1) if first_end != -1 else -1
    if b"coding" not in (data if second_end == -1 else data[:second_end]):
        return UTF_8  # no coding line: nothing to look at more closely
    import io
    import tokenize

    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError as error:
        if data.startswith(BOM.encode()) and str(error.msg).startswith("encoding problem"):
            raise UnreadableFile("starts with a UTF-8 byte-order mark but declares another encoding") from None
        raise UnreadableFile(f"has an encoding declaration Python cannot use: {error.msg}") from None
    return UTF_8 if encoding == "utf-8-sig" else encoding  # the mark is kept apart (`DecodedText.bom`)


def absolute_path(path: Path | str) -> str:
    """`os.path.abspath`, without the cost of normalising a path that is already absolute
    and normal, as every discovered path is: a run asks for it several times a file."""
    text = os.fspath(path)
    if text.startswith(os.sep) and "/." not in text and "//" not in text and not text.endswith(os.sep):
        return text
    return os.path.abspath(text)


def read_bytes(path: Path) -> bytes:
    regular_file_status(path)
    return read_accepted(path)


def read_accepted(path: Path) -> bytes:
    """The bytes of a file `regular_file_status` accepted."""
    try:
        return read_whole(path)
    except OSError as error:
        raise UnreadableFile(f"cannot be read: {error.strerror}") from None


def regular_file_status(path: Path) -> os.stat_result:
    """The status of a file hardenfix may read; UnreadableFile or BinaryFile say why not."""
    try:
        status = os.stat(path)
        mode, size = status.st_mode, status.st_size
    except FileNotFoundError:
        raise UnreadableFile("does not exist") from None
    except OSError as error:
        raise UnreadableFile(f"cannot be read: {error.strerror}") from None
    if stat.S_ISDIR(mode):
        raise UnreadableFile("is a directory")
    if not stat.S_ISREG(mode):
        raise BinaryFile("is not a regular file")
    if size > MAX_FILE_BYTES:
        raise UnreadableFile(
            f"is {size / 1024 / 1024:.0f} MiB; hardenfix processes files up to {MAX_FILE_BYTES >> 20} MiB"
        )
    return status


def read_whole(path: Path | str, limit: int | None = None) -> bytes:
    """The file's bytes, read through one descriptor with no buffering layer (a third
    cheaper than `open().read()` on a tree of small files).

    With a `limit`, a larger file raises `FileTooLarge` unread.
    """
    descriptor = os.open(path, os.O_RDONLY)
    try:
        size = os.fstat(descriptor).st_size
        if limit is not None and size > limit:
            raise FileTooLarge(size)
        return _read_to_end(descriptor, size)
    finally:
        os.close(descriptor)


def _read_to_end(descriptor: int, size: int) -> bytes:
    """What is left to read of a file whose status gave `size`."""
    chunks = [os.read(descriptor, size + 1)]
    while chunks[-1]:  # until end of file, whatever the size said
        chunks.append(os.read(descriptor, max(size, 1 << 16)))
    return b"".join(chunks)


class FileTooLarge(Exception):
    """A file over the size limit of `read_whole`; the argument is its size."""


CHANGED_ON_DISK = "changed on disk while it was being fixed; not overwritten"


def atomic_write(path: Path, data: bytes, expected: bytes) -> None:
    """Replace the file's content with `data`, all at once, if it still holds `expected`.

    The new content goes to a temporary file in the same directory, is flushed to
    disk, takes the original's owner and group (as far as this user may give them:
    root gives both, anyone a group of theirs) and permission bits, and is renamed
    over the original: a crash at any moment leaves either the old or the new file,
    never a mix. A file with other hard links is not written: the rename would leave
    them holding the old content, no longer the same file.

    The file is looked at twice: before anything is written, and again once the
    temporary file is on disk, immediately before the rename. The second look
    compares its device and inode, mode, size and modification time with the first,
    and its bytes with `expected`, so that an edit made meanwhile (while the flush,
    the slowest step, went on) is never overwritten. What remains is the time
    between that last read and the rename, a few microseconds: closing it would take
    an exchange of the two files that the kernel does (Linux's renameat2 with
    RENAME_EXCHANGE, which not every file system has) and a check of the old file
    after it, which no portable call offers.
    """
    target = Path(os.path.realpath(path))
    try:
        status, current = _status_and_bytes(target)
    except OSError as error:
        raise WriteRefused(f"cannot be re-read before writing: {error.strerror}") from None
    if current != expected:
        raise WriteRefused(CHANGED_ON_DISK)
    # The rename below needs only the folder to be writable, so the file's own
    # permission is checked first: what this user may not write is not written,
    # and its mode is never changed to get around that.
    if not os.access(target, os.W_OK):
        raise WriteRefused("is read-only; not written")
    if status.st_nlink > 1:
        raise WriteRefused(
            f"has {status.st_nlink - 1} other hard link(s), which replacing it would leave with the old"
            " content; not written"
        )
    try:
        import tempfile

        descriptor, temporary = tempfile.mkstemp(prefix=TEMP_PREFIX, suffix=TEMP_SUFFIX, dir=target.parent)
    except OSError as error:
        raise WriteRefused(f"cannot be written: {error.strerror}") from None
    try:
        with os.fdopen(descriptor, "wb") as handle:
            # Locked until the rename is done: a later run removes only temporaries whose
            # lock it can take, that is, whose writer is gone (killed, even if not reaped).
            _lock(handle.fileno())
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
            _take_owner(handle.fileno(), status)
            os.chmod(temporary, stat.S_IMODE(status.st_mode))  # after chown, which may clear set-id bits
            if not _unchanged(target, status, expected):
                raise WriteRefused(CHANGED_ON_DISK)
            os.replace(temporary, target)
    except OSError as error:
        Path(temporary).unlink(missing_ok=True)
        raise WriteRefused(f"cannot be written: {error.strerror}") from None
    except WriteRefused:
        Path(temporary).unlink(missing_ok=True)
        raise


def _take_owner(descriptor: int, original: os.stat_result) -> None:
    """Give the new file the original's owner and group, or as much of them as this user may:
    root rewriting a user's file (`sudo`, a container on a bind mount) would otherwise leave
    it root's, and one of mode 0600 unreadable to its owner."""
    if not hasattr(os, "fchown"):
        return  # Windows: files have no POSIX owner
    now = os.fstat(descriptor)
    if (now.st_uid, now.st_gid) == (original.st_uid, original.st_gid):
        return
    try:
        os.fchown(descriptor, original.st_uid, original.st_gid)
    except PermissionError:
        with contextlib.suppress(PermissionError):  # a group this user is in may still be given
            os.fchown(descriptor, -1, original.st_gid)


def _status_and_bytes(path: Path) -> tuple[os.stat_result, bytes]:
    """The file's status and bytes, read through one descriptor: they belong together."""
    descriptor = os.open(path, os.O_RDONLY)
    try:
        status = os.fstat(descriptor)
        return status, _read_to_end(descriptor, status.st_size)
    finally:
        os.close(descriptor)


def _unchanged(path: Path, before: os.stat_result, expected: bytes) -> bool:
    """Whether the file is the one looked at before, with the same bytes."""
    try:
        now, content = _status_and_bytes(path)
    except OSError:
        return False
    identity = operator.attrgetter("st_dev", "st_ino", "st_mode", "st_size", "st_mtime_ns")
    return identity(now) == identity(before) and content == expected


def remove_if_stale(temporary: Path) -> None:
    """Remove a temporary file left behind by a run that was killed mid-write."""
    if fcntl is None:
        return  # without locks, a live writer's file cannot be told from a stale one
    try:
        descriptor = os.open(temporary, os.O_RDONLY)
    except OSError:
        return
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return  # an `apply` running right now holds it
    else:
        temporary.unlink(missing_ok=True)
    finally:
        os.close(descriptor)


def _lock(descriptor: int) -> None:
    if fcntl is not None:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
