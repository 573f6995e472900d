"""Durable, atomic changes to files and folders: what output.py builds its swaps from.

In: paths and bytes. Out: new files whose data is on disk (write_files,
sync_files), folders synced (fsync_dir, sync_folders), two folders swapped
in one step (exchange: Linux's renameat2), and flocks on folders: a parent's
while one write runs (locked), a staging folder's while a batch holds it
(hold, in_use). Each falls back to what the system allows: no fdatasync on
macOS or Windows, no renameat2 before glibc 2.28, no flock on Windows.
"""
from __future__ import annotations

import ctypes
import errno
import functools
import os
import sys
from pathlib import Path
from typing import Callable

AT_FDCWD = -100
RENAME_EXCHANGE = 2
SYNC_FILE_RANGE_WRITE = 2


def hold(folder: Path) -> int | None:
    """A descriptor holding an exclusive flock on `folder` (None where there is none)."""
    try:
        import fcntl
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except (ImportError, OSError):
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
    except OSError:
        os.close(fd)
        return None
    return fd


def in_use(folder: Path) -> bool:
    """A staging folder that a running batch holds (see hold): not a leftover."""
    try:
        import fcntl
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except (ImportError, OSError):
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return False   # no one holds it; closing drops our lock
    except BlockingIOError:
        return True
    except OSError:
        return False
    finally:
        os.close(fd)


def write_files(folder: Path, files: dict[str, bytes], sync: bool = True) -> None:
    """New files in `folder`, their bytes on disk before any rename can show them.

    Power-cut safety needs only this order: every file's data durable, then
    the rename, then the parent folder synced. So all files are written first,
    Linux is told to start writing all of them out at once (sync_file_range),
    and only then is each one fdatasynced: the first call's journal commit
    carries the others' allocations, where one fsync after each file paid a
    commit each (about 1 ms less a set here). fdatasync is enough: it writes
    the data and the size needed to read it back; only timestamps wait.
    """
    fds = []
    try:
        for name, data in files.items():
            # O_EXCL: a new file, never one planted there; mode 0666 so the umask decides.
            fds.append(os.open(folder / name, os.O_WRONLY | os.O_CREAT | os.O_EXCL
                               | getattr(os, "O_BINARY", 0), 0o666))
            view = memoryview(data)
            while view:
                view = view[os.write(fds[-1], view):]
        for fd in fds:
            start_writeback(fd)
        for fd in fds if sync else ():
            sync_data(fd)
    finally:
        for fd in fds:
            os.close(fd)


def sync_files(folder: Path) -> None:
    """fdatasync every file of a staged set (written by write_files(sync=False))."""
    for entry in os.scandir(folder):
        fd = os.open(entry.path, os.O_RDONLY)
        try:
            sync_data(fd)
        finally:
            os.close(fd)


sync_data = getattr(os, "fdatasync", os.fsync)   # macOS and Windows have no fdatasync


def start_writeback(fd: int) -> None:
    """Ask Linux to begin writing the file out now, without waiting. Only a
    head start: sync_file_range(2) writes no metadata and flushes no disk
    cache, so it makes nothing durable; the fdatasync after it does."""
    func = _sync_file_range()
    if func is not None:
        func(fd, 0, 0, SYNC_FILE_RANGE_WRITE)   # a failure only loses the head start


def sync_folders(folders: set[Path]) -> None:
    """Make the swaps that write_atomically left unsynced durable, and forget them.

    One fsync of a folder covers every swap made in it since, whichever
    process made it: a batch pays one a save instead of one an issue.
    """
    for folder in sorted(folders):
        fsync_dir(folder)
    folders.clear()


def fsync_dir(path: Path) -> None:
    """Make renames and new names in `path` durable, where the system allows it."""
    if not hasattr(os, "O_DIRECTORY"):
        return   # Windows can't open a folder to fsync it
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    except OSError as exc:
        if exc.errno not in (errno.EINVAL, errno.EBADF, errno.ENOTSUP):
            raise   # some filesystems can't fsync a folder; the files already are
    finally:
        os.close(fd)


class locked:
    """Hold an exclusive flock on the parent folder while one write runs.

    So a `newsletter serve` rebuild and a `newsletter build` at the same moment
    don't take each other's staging folder for a killed build's leftovers. A
    lock on the folder itself leaves no lock file behind, and dies with the
    process. Where flock is missing or refused (Windows, some NFS), go on unlocked.
    """

    def __init__(self, folder: Path):
        self.folder, self.fd = folder, None

    def __enter__(self):
        self.fd = hold(self.folder)
        return self

    def __exit__(self, *exc):
        if self.fd is not None:
            os.close(self.fd)   # closing the last descriptor releases the lock


def _libc(name: str, argtypes: list) -> Callable[..., int] | None:
    """A function of Linux's libc, or None where there is none (not Linux, an old glibc)."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        func = getattr(ctypes.CDLL(None, use_errno=True), name)
    except (OSError, AttributeError):
        return None
    func.argtypes, func.restype = argtypes, ctypes.c_int
    return func


@functools.lru_cache(maxsize=1)
def _sync_file_range():
    return _libc("sync_file_range", [ctypes.c_int, ctypes.c_int64, ctypes.c_int64, ctypes.c_uint])


@functools.lru_cache(maxsize=1)
def renameat2():
    """renameat2: glibc 2.28 and later."""
    return _libc("renameat2",
                 [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint])


def exchange(a: Path, b: Path) -> bool:
    """Swap two folders in one step; False where the kernel or filesystem can't."""
    func = renameat2()
    if func is None:
        return False
    if func(AT_FDCWD, os.fsencode(a), AT_FDCWD, os.fsencode(b), RENAME_EXCHANGE) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP):
        return False   # an old kernel, or a filesystem without RENAME_EXCHANGE
    raise OSError(err, os.strerror(err), str(b))
