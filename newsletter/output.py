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
by the parent process before the manifest names the new set. A batch's
worker also stages several sets before it syncs them all in one round and
swaps each in (Deferred.grouped, commit()).
"""
from __future__ import annotations

import errno
import os
import re
import secrets
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from . import disk
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


@dataclass
class Deferred:
    """What a batch does once for many writes instead of in each one.

    unsynced: write_atomically adds the folder it swapped in to it instead of
    syncing that folder, and the caller must disk.sync_folders() it before
    anything (the batch's manifest) vouches for the new set. Until then a
    power cut can bring back the old set, but whole: every new file is on
    disk before the swap.
    recovered: the parents were cleaned of killed writes' leftovers
    (recover_all) when the batch began, so a write needn't list its parent
    folder (0.7 ms in one of 900 folders; a kill later leaves its leftovers
    to the next batch).
    grouped: write_atomically only stages a set (written, not synced, not
    swapped) and lists it in `staged`; commit() then syncs all of them and
    swaps each in. On ext4 every fdatasync that commits the journal also
    stalls the next file created, so syncing a set at a time cost a batch
    about a sixth of its time; one round of syncs for several sets costs
    about one set's.
    """
    unsynced: set[Path] = field(default_factory=set)
    recovered: bool = False
    grouped: bool = False
    # (staging folder, folder, a descriptor holding a lock on the staging folder)
    staged: list[tuple[Path, Path, int | None]] = field(default_factory=list)


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
    with disk.locked(parent):
        if deferred is None or not deferred.recovered:
            recover(folder)
        _refuse_file_in_the_way(folder)
        if deferred is not None and deferred.grouped:
            staged = _make_sibling(folder, STAGED)
            # Locked until commit(): another process's recover() then knows it
            # for a live write's, not a killed one's, and leaves it alone.
            held = disk.hold(staged)
            try:
                disk.write_files(staged, _encoded(files), sync=False)
            except BaseException:
                shutil.rmtree(staged, ignore_errors=True)
                if held is not None:
                    os.close(held)
                raise
            deferred.staged.append((staged, folder, held))   # commit() syncs and swaps it
            return
        files = {**_kept(folder, files), **files}
        staged = _make_sibling(folder, STAGED)
        try:
            disk.write_files(staged, _encoded(files))
            disk.fsync_dir(staged)
            _swap_in(staged, folder)
            if deferred is None:
                disk.fsync_dir(parent)   # make the swap itself survive a power cut
            else:
                deferred.unsynced.add(parent)
        finally:
            # After a swap this is the old set; after a failure, the partial new one.
            if os.path.lexists(staged):
                shutil.rmtree(staged, ignore_errors=True)


def commit(deferred: Deferred) -> dict[Path, Exception]:
    """Make every set staged in `deferred` durable, then swap each into place.

    The files of all sets are synced in one round (writeback began as they
    were written), then each set is swapped in under its parent's lock, with
    the KEPT files its folder holds at that moment. Returns the folders that
    could not be replaced, with why; each of those still holds its old set.
    The swaps' parents go to `deferred.unsynced`, as write_atomically's do.
    """
    failed: dict[Path, Exception] = {}
    staged, deferred.staged = deferred.staged, []
    try:
        for stage, folder, _ in staged:
            try:
                disk.sync_files(stage)
                disk.fsync_dir(stage)
            except Exception as exc:   # OSError, or a bug: this set fails, not the batch
                failed[folder] = exc
        for stage, folder, _ in staged:
            if folder in failed:
                continue
            try:
                with disk.locked(folder.parent):
                    _refuse_file_in_the_way(folder)
                    # Carried over now, not when staged: a `push` in between may have
                    # rewritten push.json, and the set swapped in must hold that one.
                    kept = {name: data for name, data in _kept(folder, {}).items()
                            if not os.path.lexists(stage / name)}
                    if kept:
                        disk.write_files(stage, kept)
                        disk.fsync_dir(stage)
                    _swap_in(stage, folder)
                deferred.unsynced.add(folder.parent)
            except Exception as exc:   # OSError, or a bug: this set fails, not the batch
                failed[folder] = exc
    finally:
        for stage, _, held in staged:
            # After a swap this is the old set; after a failure, the new one.
            if os.path.lexists(stage):
                shutil.rmtree(stage, ignore_errors=True)
            if held is not None:
                os.close(held)
    return failed


def _refuse_file_in_the_way(folder: Path) -> None:
    if folder.exists() and not folder.is_dir():
        raise FileExistsError(errno.EEXIST, "a file is in the way of the output folder",
                              str(folder))


def _encoded(files: dict[str, str | bytes]) -> dict[str, bytes]:
    return {name: data.encode() if isinstance(data, str) else data for name, data in files.items()}


def _swap_in(staged: Path, folder: Path) -> None:
    """Put the staged set where `folder` is; the old set ends up at the staging name."""
    if not folder.exists():
        os.rename(staged, folder)   # nothing to replace: one rename is atomic
    elif disk.exchange(staged, folder):
        pass   # the old set now sits at the staging name, removed by the caller
    else:
        _swap_by_renames(staged, folder)


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
    with disk.locked(folder.parent):
        recover(folder)
        tmp = folder / f".{name}.tmp-{secrets.token_hex(8)}"
        try:
            disk.write_files(folder, {tmp.name: data})
            os.replace(tmp, folder / name)
            disk.fsync_dir(folder)
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
    with disk.locked(parent):
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
        if not disk.in_use(path):
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
