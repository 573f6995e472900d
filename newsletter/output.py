"""Email -> its output folder, replaced as one set so that a kill loses nothing.

In: a finished Email (or a dict of file name -> text or bytes) and the folder
it goes to. Out: that folder holding exactly email.html, email.txt, email.mjml,
email.eml and any attachments (`<stem>.ics`), all from this build; nothing
else is left in it but the files of KEPT (push.json, the record of the drafts
pushed from it), which a rebuild carries over from the old set. At every
instant the folder is wholly the previous set or wholly the
new one, even if the process is killed.

How: the new files go into a staging folder beside it, `.<name>.tmp-<hex>`,
and are fsynced; then Linux's renameat2(RENAME_EXCHANGE) swaps the two
folders in one step and the old set (now under the staging name) is removed.
Where that call is missing, the old folder is renamed to `.<name>.old-<hex>`,
the staged one into place, and the old one removed; a kill between those two
renames leaves no folder but the `.old-` one, which the next write renames
back before it does anything else. The next write into the same folder also
removes any other leftover `.<name>.tmp-`/`.old-` folder of a killed build.
Power cuts: the files' data is on disk before the swap, and the parent
folder is synced after it, by the write itself or, in a batch (Deferred),
by the parent process before the manifest names the new set.
"""
from __future__ import annotations

import ctypes
import errno
import functools
import os
import re
import secrets
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from .errors import IssueError
from .config import Config
from .render.email import Email
from .render.message import eml_bytes
from .source.issue import display_path

STAGED, OLD = "tmp", "old"
# Files that belong to the issue rather than to one build: a rebuild copies
# them into the new set, so that `newsletter push` finds the draft it made
# before and updates it instead of making a second one.
KEPT = ("push.json",)
_LEFTOVER = re.compile(rf"({STAGED}|{OLD})-[0-9a-f]{{16}}")   # after `.<name>.`
_ANY_LEFTOVER = re.compile(rf"\.(.+)\.{_LEFTOVER.pattern}")
AT_FDCWD = -100
RENAME_EXCHANGE = 2
SYNC_FILE_RANGE_WRITE = 2


@dataclass
class Deferred:
    """What a batch does once for all its writes instead of in each one.

    unsynced: write_atomically adds the folder it swapped in to it instead of
    syncing that folder, and the caller must sync_folders() it before
    anything (the batch's manifest) vouches for the new set. Until then a
    power cut can bring back the old set, but whole: every new file is on
    disk before the swap.
    recovered: the parents were cleaned of killed writes' leftovers
    (recover_all) when the batch began, so a write needn't list its parent
    folder (0.7 ms in one of 900 folders; a kill later leaves its leftovers
    to the next batch).
    """
    unsynced: set[Path] = field(default_factory=set)
    recovered: bool = False


def write_atomically(folder: Path, files: dict[str, str | bytes],
                     deferred: Deferred | None = None) -> None:
    """Make `folder` hold exactly `files`: the whole new set, or on failure the old one.
    The swap is durable (its parent folder synced) when this returns, unless `deferred`."""
    for name in files:
        # Plain names only: a '/' or '..' would write outside the set.
        if not name or name in (".", "..") or os.path.basename(name) != name or "\\" in name:
            raise ValueError(f"not a plain file name: {name!r}")
    # Swap where the folder really is: renaming a symlink would replace the link.
    folder = Path(os.path.realpath(folder))
    parent = folder.parent
    parent.mkdir(parents=True, exist_ok=True)
    with _locked(parent):
        if deferred is None or not deferred.recovered:
            recover(folder)
        if folder.exists() and not folder.is_dir():
            raise FileExistsError(errno.EEXIST, "a file is in the way of the output folder",
                                  str(folder))
        files = {**_kept(folder, files), **files}
        staged = _make_sibling(folder, STAGED)
        try:
            _write_files(staged, {name: data.encode() if isinstance(data, str) else data
                                  for name, data in files.items()})
            _fsync_dir(staged)
            if not folder.exists():
                os.rename(staged, folder)   # nothing to replace: one rename is atomic
            elif _exchange(staged, folder):
                pass   # the old set now sits at the staging name, removed below
            else:
                _swap_by_renames(staged, folder)
            if deferred is None:
                _fsync_dir(parent)   # make the swap itself survive a power cut
            else:
                deferred.unsynced.add(parent)
        finally:
            # After a swap this is the old set; after a failure, the partial new one.
            if os.path.lexists(staged):
                shutil.rmtree(staged, ignore_errors=True)


def _kept(folder: Path, files: dict) -> dict[str, bytes]:
    """The KEPT files of the old set that the new one doesn't bring itself."""
    kept = {}
    for name in KEPT:
        path = folder / name
        # A regular file only: a symlink there could make us copy some other file in.
        if name not in files and path.is_file() and not path.is_symlink():
            kept[name] = path.read_bytes()
    return kept


def write_one(folder: Path, name: str, data: bytes) -> None:
    """Replace one file of an existing set, atomically: a kill leaves the old or the new.

    Under the same lock as write_atomically, so a rebuild at the same moment
    either carries this file over whole or comes before it.
    """
    if name not in KEPT:
        raise ValueError(f"{name!r} is not a file that outlives a rebuild")
    folder = Path(os.path.realpath(folder))
    with _locked(folder.parent):
        recover(folder)
        tmp = folder / f".{name}.tmp-{secrets.token_hex(8)}"
        try:
            _write_files(folder, {tmp.name: data})
            os.replace(tmp, folder / name)
            _fsync_dir(folder)
        finally:
            if os.path.lexists(tmp):
                os.unlink(tmp)


def write_email(email: Email, folder: Path, config: Config,
                deferred: Deferred | None = None) -> None:
    """email.html, email.txt, email.mjml, email.eml and any attachments, all or none."""
    files = {"email.html": email.html, "email.txt": email.text, "email.mjml": email.mjml,
             "email.eml": eml_bytes(email, config), **email.attachments}
    try:
        write_atomically(folder, files, deferred)
    except OSError as exc:
        raise IssueError(display_path(folder), None,
                         f"cannot write the output: {exc.strerror or exc}") from None


def leftovers(folder: Path) -> dict[Path, str]:
    """Staging ("tmp") and old-set ("old") folders beside `folder` left by a killed write."""
    # The parent holds every issue's folder (900 in a big archive): a Path, a
    # sort and a regex for each name cost ~6 ms a write, so only our own go on.
    prefix = f".{folder.name}."
    try:
        names = sorted(n for n in os.listdir(folder.parent) if n.startswith(prefix))
    except FileNotFoundError:
        return {}
    found = {}
    for name in names:
        path, match = folder.parent / name, _LEFTOVER.fullmatch(name, len(prefix))
        # Only our own names, and never through a symlink someone put there.
        if match and path.is_dir() and not path.is_symlink():
            found[path] = match.group(1)
    return found


def recover_all(parent: Path) -> None:
    """recover() every folder in `parent` that a killed write left something of,
    from one listing: what a batch does before its writes skip it."""
    parent = Path(os.path.realpath(parent))
    try:
        names = os.listdir(parent)
    except FileNotFoundError:
        return
    stems = {match.group(1) for match in map(_ANY_LEFTOVER.fullmatch, names) if match}
    with _locked(parent):
        for stem in sorted(stems):
            recover(parent / stem)


def recover(folder: Path) -> None:
    """Undo what a killed write left: restore a set caught between renames, drop the rest.

    Only the renames fallback can leave no folder at all; its `.old-` folder is
    then the complete previous set (it was renamed whole), so it goes back. A
    `.tmp-` folder is never promoted: it may be half written.
    """
    found = leftovers(folder)
    olds = [path for path, kind in found.items() if kind == OLD]
    if olds and not os.path.lexists(folder):
        newest = max(olds, key=lambda p: p.stat().st_mtime_ns)
        os.rename(newest, folder)
        del found[newest]
    for path in found:
        shutil.rmtree(path, ignore_errors=True)


def _sibling_name(folder: Path, kind: str) -> Path:
    """`.<name>.<kind>-<16 hex>` beside `folder`: hidden, and matched by leftovers()."""
    while True:
        path = folder.parent / f".{folder.name}.{kind}-{secrets.token_hex(8)}"
        if not os.path.lexists(path):
            return path


def _make_sibling(folder: Path, kind: str) -> Path:
    """A new empty staging folder, with the mode mkdir gives any folder."""
    while True:
        path = _sibling_name(folder, kind)
        try:
            os.mkdir(path)   # not mkdtemp: its 0700 would stick to the output folder
            return path
        except FileExistsError:
            continue


def _write_files(folder: Path, files: dict[str, bytes]) -> None:
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
            _start_writeback(fd)
        for fd in fds:
            _sync_data(fd)
    finally:
        for fd in fds:
            os.close(fd)


_sync_data = getattr(os, "fdatasync", os.fsync)   # macOS and Windows have no fdatasync


def _start_writeback(fd: int) -> None:
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
        _fsync_dir(folder)
    folders.clear()


def _fsync_dir(path: Path) -> None:
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


class _locked:
    """Hold an exclusive flock on the parent folder while one write runs.

    So a `newsletter serve` rebuild and a `newsletter build` at the same moment
    don't take each other's staging folder for a killed build's leftovers. A
    lock on the folder itself leaves no lock file behind, and dies with the
    process. Where flock is missing or refused (Windows, some NFS), go on unlocked.
    """

    def __init__(self, folder: Path):
        self.folder, self.fd = folder, None

    def __enter__(self):
        try:
            import fcntl
            self.fd = os.open(self.folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
            fcntl.flock(self.fd, fcntl.LOCK_EX)
        except (ImportError, OSError):
            if self.fd is not None:
                os.close(self.fd)
            self.fd = None
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
def _renameat2():
    """renameat2: glibc 2.28 and later."""
    return _libc("renameat2",
                 [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint])


def _exchange(a: Path, b: Path) -> bool:
    """Swap two folders in one step; False where the kernel or filesystem can't."""
    func = _renameat2()
    if func is None:
        return False
    if func(AT_FDCWD, os.fsencode(a), AT_FDCWD, os.fsencode(b), RENAME_EXCHANGE) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP):
        return False   # an old kernel, or a filesystem without RENAME_EXCHANGE
    raise OSError(err, os.strerror(err), str(b))


def _swap_by_renames(staged: Path, folder: Path) -> None:
    """Two renames; between them there is no folder, and recover() puts the old one back."""
    old = _sibling_name(folder, OLD)
    os.rename(folder, old)
    try:
        os.rename(staged, folder)
    except OSError:
        os.rename(old, folder)   # failed, not killed: put the old set back now
        raise
    shutil.rmtree(old, ignore_errors=True)
