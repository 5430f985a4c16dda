"""The report archive: `<MI_ARCHIVE_DIR>/<report_id>/<period_end>/` with outputs and manifest.json.

A period's folder is built under a temporary name and renamed into place in one step, so a
reader (or a delivery task) sees either the previous complete folder or the new complete
folder, never a half-written one. Files are owner-only: they hold children's data.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path

from reporting import settings

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


@contextmanager
def building(final: Path):
    """Yield a temporary folder beside `final`; on success it replaces `final` atomically."""
    work = new_work_folder(final)
    try:
        yield work
        replace_folder(work, final)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise


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


def new_work_folder(final: Path) -> Path:
    """An empty private folder beside `final` (same filesystem, so moving it in is a rename)."""
    private_mkdir(final.parent)
    return Path(tempfile.mkdtemp(prefix=f".{final.name}.", dir=final.parent))


def replace_folder(work: Path, final: Path) -> None:
    """Put the complete folder `work` in place of `final` with renames only."""
    os.chmod(work, 0o700)
    for path in work.rglob("*"):  # writers that used the umask (0644) are made owner-only too
        os.chmod(path, 0o700 if path.is_dir() else 0o600)
    if final.exists():
        retired = final.with_name(f".{final.name}.old-{os.getpid()}")
        os.replace(final, retired)
        os.replace(work, final)
        shutil.rmtree(retired, ignore_errors=True)
    else:
        os.replace(work, final)


def write_manifest(folder: Path, manifest: dict) -> None:
    path = folder / MANIFEST
    tmp = path.with_suffix(".tmp")
    with open(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w", encoding="utf-8") as handle:
        json.dump(manifest, handle, indent=2, sort_keys=True, default=str)
        handle.write("\n")
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)


def read_manifest(folder: Path) -> dict:
    return json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
