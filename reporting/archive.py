"""The report archive: `<MI_ARCHIVE_DIR>/<report_id>/<period_end>/` with outputs and manifest.json.

Every output is built in a scratch folder (`.work-*`, locked while in use) and renamed into place,
so a reader (or a delivery task) sees the previous complete output or the new one, never half of
either. A period folder keeps its sub-folders when the report is re-rendered: burst slices
(`slices/`), partner copies and their passwords (`deliveries/`) and every file as it was sent
(`sent/`). Scratch left by a killed process is swept by retention. Files are owner-only: they
hold children's data.
"""

from __future__ import annotations

import ctypes
import fcntl
import functools
import hashlib
import json
import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from reporting import settings
from reporting.errors import MIError

MANIFEST = "manifest.json"


def period_dir(report_id: str, period_end: str, slice_key: str | None = None, root: Path | None = None) -> Path:
    base = (root or settings.archive_dir()) / report_id / period_end
    if slice_key is None:
        return base
    # A blank key must never stand for "no slice": publishing a slice there would replace the
    # whole period folder (the report, every slice, the staging extract). Nor may a key leave slices/.
    if not slice_key.strip() or slice_key in (".", "..") or "/" in slice_key or "\\" in slice_key:
        raise ValueError(f"{report_id} {period_end}: slice key {slice_key!r} cannot name a folder; "
                         "expected a team, worker or school id (not blank, no '/')")
    return base / "slices" / slice_key


WORK_PREFIX = ".work-"  # scratch folders (and retired ones) that a killed process may leave
WORK_LOCK = ".work.lock"
OUTPUT_SUFFIXES = (".html", ".pdf", ".csv", ".xlsx")


class ReportBusyError(MIError, RuntimeError):
    """Another process is running the same report for the same period."""


@contextmanager
def work_folder(beside: Path) -> Iterator[Path]:
    """A private, empty scratch folder beside `beside` (same filesystem: moving from it is a rename),
    removed afterwards. While in use it is locked, so `sweep_work_folders` tells a live one from
    the leftovers of a killed process."""
    private_mkdir(beside.parent)
    scratch = Path(tempfile.mkdtemp(prefix=f"{WORK_PREFIX}{beside.name}.", dir=beside.parent))
    lock = open(scratch / WORK_LOCK, "w")
    fcntl.flock(lock, fcntl.LOCK_EX)
    work = scratch / "out"  # the lock stays behind when `work` is renamed into place
    work.mkdir(mode=0o700)
    try:
        yield work
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
        lock.close()


@contextmanager
def building(final: Path, *, files_only: bool = False):
    """Yield a scratch folder; on success its contents replace `final` atomically.

    files_only: `final` is a period folder, which also holds `slices/`, `deliveries/`, `sent/` and
    `.staging/`: its files are replaced one rename each (`publish_files`), its folders untouched.
    Otherwise the whole folder is swapped in one rename.
    """
    with work_folder(final) as work:
        yield work
        if files_only:
            publish_files(work, final)
        else:
            replace_folder(work, final)


def private_mkdir(path: Path) -> None:
    """`mkdir -p` with every folder it creates owner-only (0700).

    `Path.mkdir(parents=True, mode=...)` gives the mode to the last folder only; the report and
    period folders above it would be created world-readable (0755 under the usual umask).
    """
    missing = []
    while not path.exists():
        missing.append(path)
        path = path.parent
    for folder in reversed(missing):
        try:
            folder.mkdir(mode=0o700)
        except FileExistsError:
            pass  # another worker made it just now


def private_sqlite_file(url: str) -> None:
    """Create the file of a `sqlite:///path` URL owner-only (0600) before SQLite opens it: SQLite
    would create it with the umask (world-readable), and the case database and the delivery ledger
    name children and staff. SQLite gives its journal files the same mode. Other URLs: nothing."""
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    database = parsed.database or ""
    if parsed.get_backend_name() != "sqlite" or database in ("", ":memory:") or database.startswith("file:"):
        return
    path = Path(database)
    private_mkdir(path.parent)
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
    os.chmod(path, 0o600)


def _owner_only(work: Path) -> None:
    os.chmod(work, 0o700)
    for path in work.rglob("*"):  # writers that used the umask (0644) are made owner-only too
        os.chmod(path, 0o700 if path.is_dir() else 0o600)


def replace_folder(work: Path, final: Path) -> None:
    """Put the complete folder `work` in place of `final` with renames only; a reader sees the old
    folder or the new one, never half of either, and never no folder: on Linux the two folders are
    exchanged in one step (renameat2 RENAME_EXCHANGE), elsewhere the old is moved aside first."""
    _owner_only(work)
    private_mkdir(final.parent)
    if final.exists() and _exchange(work, final):
        shutil.rmtree(work, ignore_errors=True)  # `work` now holds the previous folder
        return
    if final.exists():
        retired = final.with_name(f"{WORK_PREFIX}old-{final.name}-{os.getpid()}-{time.monotonic_ns()}")
        try:
            os.replace(final, retired)
        except FileNotFoundError:
            pass  # another worker swapped it out just now
        shutil.rmtree(retired, ignore_errors=True)
    try:
        os.replace(work, final)
    except OSError:
        if not final.exists():
            raise  # otherwise a worker racing us put its folder (the same content) in place first


_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _exchange(a: Path, b: Path) -> bool:
    """Swap two existing paths atomically; False where the system cannot (not Linux, old kernel or
    libc, or `b` vanished meanwhile), and the caller falls back to two renames."""
    renameat2 = getattr(_libc(), "renameat2", None)
    if renameat2 is None:
        return False
    return renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0


@functools.cache
def _libc():
    try:
        return ctypes.CDLL(None, use_errno=True)
    except OSError:
        return None


def publish_files(built: Path, final: Path) -> None:
    """Move the files of `built` into `final`, one atomic rename each, the manifest last (a reader
    that finds the new manifest finds the outputs it lists); outputs of an earlier render that this
    one did not write (another format) are removed. Sub-folders of `final` are not touched: what
    was sent is kept under `sent/` (`keep_sent`)."""
    _owner_only(built)
    private_mkdir(final)
    files = sorted((p for p in built.iterdir() if p.is_file()),
                   key=lambda p: (p.name == MANIFEST, p.name))
    for path in files:
        os.replace(path, final / path.name)
    written = {p.name for p in files}
    for stale in final.iterdir():
        if stale.is_file() and stale.suffix in OUTPUT_SUFFIXES and stale.name not in written:
            stale.unlink(missing_ok=True)


def keep_sent(period_folder: Path, slice_id: str, content_hash: str, files) -> Path:
    """Keep the exact files sent for (slice, content) under `<period>/sent/<slice>/<hash>/`, so a
    later re-render or correction of the period cannot remove what a recipient got.

    `files`: what was sent, each with `path` and `data` (the bytes sent). A hard link to the
    archived file costs no space; when the file there is no longer the one sent (a newer render
    replaced it meanwhile) or links are not possible, the bytes sent are written instead.
    """
    if not slice_id.strip() or "/" in slice_id or slice_id in (".", ".."):
        raise ValueError(f"slice id {slice_id!r} cannot name a folder")
    target = period_folder / "sent" / slice_id / content_hash[:16]
    private_mkdir(target)
    for sent in files:
        kept = target / sent.path.name
        if kept.exists():
            continue
        try:
            os.link(sent.path, kept)
            if file_hash(kept) == hashlib.sha256(sent.data).hexdigest():
                continue
            kept.unlink()
        except OSError:
            pass
        fd = os.open(kept, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(sent.data)
    return target


def sweep_work_folders(root: Path, *, grace_seconds: float = 3600.0) -> int:
    """Remove scratch folders left by killed processes under `root` (they hold children's rows);
    a folder still locked by a live process, or younger than the grace period, is left alone."""
    removed = 0
    if not root.is_dir():
        return 0
    for folder, subfolders, _ in os.walk(root):
        for name in list(subfolders):
            if not name.startswith(WORK_PREFIX):
                continue
            subfolders.remove(name)  # never descend into scratch
            path = Path(folder) / name
            if _abandoned(path, grace_seconds):
                shutil.rmtree(path, ignore_errors=True)
                removed += 1
    return removed


def _abandoned(path: Path, grace_seconds: float) -> bool:
    lock_path = path / WORK_LOCK
    try:
        if lock_path.exists():
            with open(lock_path) as lock:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)  # its owner is gone
            return True
        return time.time() - path.stat().st_mtime > grace_seconds
    except BlockingIOError:
        return False  # in use
    except FileNotFoundError:
        return False  # gone already


@contextmanager
def period_lock(report_id: str, period_end: str, root: Path | None = None) -> Iterator[None]:
    """Hold the report's lock for one period, or fail at once naming who holds it: two `mi run`s of
    the same report and period would otherwise replace each other's files mid-render."""
    folder = (root or settings.archive_dir()) / ".locks"  # not in the report's folder: it outlives runs
    private_mkdir(folder)
    path = folder / f"{report_id}--{period_end}.lock"
    handle = open(path, "a+")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.seek(0)
        holder = handle.read().strip() or "another process"
        handle.close()
        raise ReportBusyError(f"{report_id} for the period ending {period_end} is being run by {holder}; "
                              "wait for it to finish, then run it again") from None
    try:
        handle.seek(0)
        handle.truncate()
        handle.write(f"process {os.getpid()} since {time.strftime('%H:%M:%S')}")
        handle.flush()
        yield
    finally:
        handle.close()


def write_manifest(folder: Path, manifest: dict) -> None:
    path = folder / MANIFEST
    tmp = path.with_suffix(".tmp")
    with open(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w", encoding="utf-8") as handle:
        json.dump(manifest, handle, indent=2, sort_keys=True, default=str)
        handle.write("\n")
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)


def file_hash(path: Path) -> str:
    """The SHA-256 a manifest records for a file (`file_hashes`), read in blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_manifest(folder: Path) -> dict:
    return json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
