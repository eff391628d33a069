"""Writing so that an output appears complete or not at all: the one atomic writer for folders and files.

Run folders, comparison and calibration folders, sweep partial folders, reports and docs/validation.md
are all written through :func:`atomic_folder` or :func:`atomic_file`: the content goes to a hidden
staging sibling that is renamed into place when it is complete; on any error or interruption
(Ctrl-C, SIGTERM, disk full) the staging copy is removed. OS errors become one-line
:class:`~sim.inputs.errors.ScenarioError` messages naming the path.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from sim.inputs.errors import ScenarioError
from sim.outputs import claims


def check_writable(folder: str | Path) -> Path:
    """Refuse, before any work, an output folder that exists, that another process is writing, or whose
    parent cannot be made (see :mod:`sim.outputs.claims` for claiming the name as well)."""
    folder = Path(folder)
    if folder.exists():
        raise ScenarioError(str(folder), "output folder already exists; choose another --out or remove it")
    if claims.claimed_elsewhere(folder):
        raise ScenarioError(str(folder), "another sim command is writing this folder now; wait for it to finish "
                                         "or choose another --out", key="--out")
    check_parent(folder)
    return folder


def check_parent(path: str | Path, key: str = "--out") -> Path:
    """Make ``path``'s parent folder and check it is writable; one-line error otherwise."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise ScenarioError(str(path), f"cannot create its parent folder: {err.strerror}", key=key) from None
    if not os.access(path.parent, os.W_OK):
        raise ScenarioError(str(path), "cannot write in its parent folder (permission denied)", key=key)
    return path


@contextmanager
def staged_folder(folder: str | Path, *, key: str = "--out") -> Iterator[Path]:
    """Yield an empty hidden staging sibling of ``folder``; rename it onto ``folder`` when the block ends.

    The caller decides whether ``folder`` may exist (:func:`atomic_folder` refuses it; a sweep's
    partial folder is checked by its owner). On any error the staging folder is removed.
    """
    folder = Path(folder)
    staging = _Staging(claims.staging_path(folder))
    staging.final = folder
    shutil.rmtree(staging, ignore_errors=True)
    try:
        try:
            staging.mkdir(parents=True)
        except OSError as err:
            raise ScenarioError(str(folder), f"cannot write here: {err.strerror}", key=key) from None
        try:
            yield staging
            claims.rename_no_replace(staging, folder)  # never onto another folder, even an empty one
        except FileExistsError:
            raise ScenarioError(str(folder), "output folder appeared meanwhile (written by another program); "
                                             "nothing was overwritten; choose another --out", key=key) from None
        except OSError as err:  # disk full, read-only, quota ...: one line, and nothing half-written
            raise ScenarioError(str(folder), f"cannot write the folder: {err.strerror or err}; nothing was "
                                             "written", key=key) from None
    except BaseException:
        claims.remove_tree(staging)  # a second Ctrl-C waits until it is gone
        raise


class _Staging(type(Path())):
    """A staging path that also knows the final name it will be moved to (``.final``)."""

    final: Path


@contextmanager
def atomic_folder(folder: str | Path, *, next_free: bool = False) -> Iterator[Path]:
    """Yield a hidden staging sibling of ``folder``; move it into place when the block ends.

    On any error or interruption (Ctrl-C included) the staging folder is removed,
    so ``folder`` appears complete or not at all. The name is claimed first
    (:mod:`sim.outputs.claims`): an existing ``folder``, or one another process is
    writing, is refused, or with ``next_free`` the next free ``folder-N`` is taken
    (the yielded path's ``.final`` names it). The move never overwrites.
    """
    final = claims.claim(folder, next_free=next_free)
    try:
        with staged_folder(final) as staging:
            yield staging
    finally:
        claims.release(final)


@contextmanager
def atomic_file(path: str | Path, *, key: str = "--out") -> Iterator[Path]:
    """Yield a hidden temporary path next to ``path``; replace ``path`` with it when the block ends.

    The block writes the temporary path however it likes (text, Parquet, ...). On any error the
    temporary file is removed and ``path`` is left as it was; OS errors become one line naming ``path``.
    """
    path = check_parent(path, key)
    try:
        handle, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".partial", dir=path.parent)
    except OSError as err:
        raise ScenarioError(str(path), f"cannot write here: {err.strerror}", key=key) from None
    os.close(handle)
    temporary = Path(name)
    try:
        try:
            yield temporary
            umask = os.umask(0)  # mkstemp makes the file private; give it the permissions of a normal file
            os.umask(umask)
            os.chmod(temporary, 0o666 & ~umask)
            os.replace(temporary, path)
        except OSError as err:
            raise ScenarioError(str(path), f"cannot write the file: {err.strerror}", key=key) from None
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def write_text(path: str | Path, text: str, *, key: str = "--out") -> Path:
    """Write ``text`` (UTF-8) to ``path`` atomically; return the path."""
    with atomic_file(path, key=key) as temporary:
        temporary.write_text(text, encoding="utf-8")
    return Path(path)
