"""Output names that concurrent commands never share: claims, no-overwrite renames, stale staging.

Several ``sim`` commands may pick the same output name at once (run ids have one-second
resolution; two sweeps may get the same ``--out``). A command first *claims* the name: it
holds an exclusive ``flock`` on a hidden sibling file ``.<name>.claim`` for as long as it
writes. A name whose claim is held by a living process, or which already exists, is taken:
a default name then moves on to the next free one (``<name>-2``, ``<name>-3`` ...), a name the
user gave is refused in one line before any work. The kernel drops the lock when its process
dies (even by ``kill -9``), so a claim never outlives its owner.

The finished folder is moved into place with :func:`rename_no_replace` (``renameat2`` with
``RENAME_NOREPLACE`` on Linux; elsewhere an exclusive ``mkdir`` of the name, then a rename onto
that empty folder), so it never lands on top of another one.

Staging folders are named ``.<name>.partial-<pid>`` (:func:`staging_path`); those whose process
is dead are removed by :func:`remove_stale_staging` whenever a name in their folder is claimed.
"""

from __future__ import annotations

import atexit
import ctypes
import ctypes.util
import errno
import os
import re
import shutil
import signal
import tempfile
from pathlib import Path

from sim.inputs.errors import ScenarioError

try:  # POSIX; without it (Windows) a claim is an exclusively created file
    import fcntl
except ImportError:  # pragma: no cover - not on the platforms CI runs
    fcntl = None

MAX_NEXT_FREE = 1000  # default names tried after the first: <name>-2 ... <name>-1000
_STAGING = re.compile(r"^\.(?P<name>.+)\.partial-(?P<pid>\d+)$")
_HELD: dict[Path, list[int]] = {}  # claimed final path -> [fd of its locked claim file, nesting count]


def claim_path(final: Path) -> Path:
    return final.parent / f".{final.name}.claim"


def staging_path(final: str | Path) -> Path:
    """The hidden staging sibling of ``final`` for this process: ``.<name>.partial-<pid>``."""
    final = Path(final)
    return final.parent / f".{final.name}.partial-{os.getpid()}"


def _key(path: str | Path) -> Path:
    path = Path(path)
    return path.parent.resolve() / path.name


def holds(final: str | Path) -> bool:
    """Whether this process holds the claim on ``final``."""
    return _key(final) in _HELD


def claim(final: str | Path, *, next_free: bool = False, exists_ok: bool = False, key: str = "--out",
          taken_also: tuple[str, ...] = ()) -> Path:
    """Claim the output name ``final`` (or, with ``next_free``, the first free ``final-N``); return it.

    A name is taken when it exists (unless ``exists_ok``), when a sibling ``<name><suffix>`` for a
    suffix in ``taken_also`` exists, or when another living process claims it. Claims of a name this
    process holds nest (each :func:`claim` is matched by one :func:`release`); a ``next_free`` claim
    passes over them. Refusals are one line naming
    the path; the parent folder is made (and must be writable) first.
    """
    final = Path(final)
    _check_parent(final, key)
    remove_stale_staging(final.parent)
    candidates = [final] + ([final.with_name(f"{final.name}-{i}") for i in range(2, MAX_NEXT_FREE + 1)]
                            if next_free else [])
    for candidate in candidates:
        if _key(candidate) in _HELD:  # ours: a nested claim of the same name, or taken for a next free one
            if next_free:
                continue
            _HELD[_key(candidate)][1] += 1
            return candidate
        exists = [p for p in [candidate] * (not exists_ok) + [candidate.with_name(candidate.name + s)
                                                              for s in taken_also] if p.exists()]
        if exists:
            if next_free:
                continue
            raise _exists(exists[0], key)
        fd, owner = _lock(candidate, key)
        if fd is None:
            if next_free:
                continue
            who = f" (pid {owner})" if owner else ""
            raise ScenarioError(str(candidate), f"another sim command{who} is writing this folder now; wait for it "
                                                "to finish or choose another --out", key=key)
        exists = [p for p in [candidate] * (not exists_ok) + [candidate.with_name(candidate.name + s)
                                                              for s in taken_also] if p.exists()]
        if exists:  # it appeared while we were locking (its writer finished): taken after all
            _unlock(candidate, fd)
            if next_free:
                continue
            raise _exists(exists[0], key)
        _HELD[_key(candidate)] = [fd, 1]
        return candidate
    raise ScenarioError(str(final), f"all of {final.name} and {final.name}-2 ... -{MAX_NEXT_FREE} are taken",
                        key=key)


def claimed_elsewhere(final: str | Path) -> bool:
    """Whether another living process holds the claim on ``final`` (checked, not taken)."""
    final = Path(final)
    if _key(final) in _HELD or fcntl is None:
        return False if fcntl is not None else claim_path(final).exists()
    try:
        fd = os.open(claim_path(final), os.O_RDONLY)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return True
    finally:
        os.close(fd)  # closing drops a lock we may have taken
    return False


def _exists(path: Path, key: str) -> ScenarioError:
    if path.is_dir():
        return ScenarioError(str(path), "output folder already exists; choose another --out or remove it", key=key)
    return ScenarioError(str(path), "a file of that name exists, and the output is a folder; choose another --out",
                         key=key)


def release(final: str | Path) -> None:
    """Give up one claim on ``final`` (the last one removes the claim file); no-op if not held."""
    entry = _HELD.get(_key(final))
    if entry is None:
        return
    entry[1] -= 1
    if entry[1] <= 0:
        del _HELD[_key(final)]
        _unlock(Path(final), entry[0])


@atexit.register
def _release_all() -> None:
    for final in list(_HELD):
        _HELD[final][1] = 1
        release(final)


MAX_NAME_BYTES = 200  # of an output's own name: its hidden siblings (.<name>.partial-<pid>) must fit in 255


def _check_parent(final: Path, key: str) -> None:
    """Make the parent folder and check, before any work, that a file can be created in it."""
    if len(os.fsencode(final.name)) > MAX_NAME_BYTES:
        raise ScenarioError(str(final)[:80] + "...", f"the name is too long ({len(os.fsencode(final.name))} bytes); "
                                                     f"allowed: at most {MAX_NAME_BYTES}", key=key)
    try:
        final.parent.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise ScenarioError(str(final), f"cannot create its parent folder: {err.strerror}", key=key) from None
    if not os.access(final.parent, os.W_OK):
        raise ScenarioError(str(final), "cannot write in its parent folder (permission denied)", key=key)
    try:  # a real write: read-only file systems, full disks of inodes, and what access() does not see
        handle, probe = tempfile.mkstemp(prefix=".sim-write-check-", dir=final.parent)
        os.close(handle)
        os.unlink(probe)
    except OSError as err:
        raise ScenarioError(str(final), f"cannot write here: {err.strerror}", key=key) from None


def check_file_target(path: str | Path, key: str = "--out") -> Path:
    """Refuse, before any work, a file to write that is a folder or whose folder cannot be written."""
    path = Path(path)
    if path.is_dir():
        raise ScenarioError(str(path), "is a folder; give the path of the file to write", key=key)
    _check_parent(path, key)
    return path


def _lock(final: Path, key: str) -> tuple[int | None, str]:
    """(fd holding the lock, "") or (None, pid of the owner as text) when another process holds it."""
    path = claim_path(final)
    while True:
        try:
            if fcntl is None:
                fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o644)
            else:
                fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        except FileExistsError:
            return None, _read_owner(path)
        except OSError as err:
            raise ScenarioError(str(final), f"cannot write here: {err.strerror}", key=key) from None
        if fcntl is not None:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                os.close(fd)
                return None, _read_owner(path)
            try:  # the file may have been removed by its previous owner after we opened it: start again
                same = os.stat(path).st_ino == os.fstat(fd).st_ino
            except FileNotFoundError:
                same = False
            if not same:
                os.close(fd)
                continue
        try:
            os.ftruncate(fd, 0)
            os.write(fd, f"{os.getpid()}\n".encode())
        except OSError:
            pass  # the pid is only for messages
        return fd, ""


def _unlock(final: Path, fd: int) -> None:
    try:
        claim_path(final).unlink(missing_ok=True)  # while still locked, so no one locks a removed file
    except OSError:
        pass
    try:
        os.close(fd)
    except OSError:
        pass


def _read_owner(path: Path) -> str:
    try:
        text = path.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError):
        return ""
    return text if text.isdigit() else ""


# --------------------------------------------------------------------------- renaming and stale staging


def _renameat2():
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)
        function = libc.renameat2
    except (OSError, AttributeError):
        return None
    function.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    function.restype = ctypes.c_int
    return function


_RENAMEAT2 = _renameat2()
_AT_FDCWD, _RENAME_NOREPLACE = -100, 1


def rename_no_replace(source: str | Path, target: str | Path) -> None:
    """Move the folder ``source`` to ``target``; FileExistsError if ``target`` exists (never overwritten)."""
    source, target = os.fsencode(os.fspath(source)), os.fsencode(os.fspath(target))
    if _RENAMEAT2 is not None:
        if _RENAMEAT2(_AT_FDCWD, source, _AT_FDCWD, target, _RENAME_NOREPLACE) == 0:
            return
        code = ctypes.get_errno()
        if code not in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP):
            raise OSError(code, os.strerror(code), os.fsdecode(target))
    os.mkdir(target)  # the name is ours from here (FileExistsError otherwise) ...
    try:
        os.rename(source, target)  # ... and an empty folder is replaced atomically
    except BaseException:
        os.rmdir(target)
        raise


def remove_tree(path: str | Path) -> None:
    """Remove a staging folder or file; a Ctrl-C or SIGTERM meanwhile waits until it is gone (idempotent)."""
    blocked = hasattr(signal, "pthread_sigmask")
    if blocked:
        previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
    try:
        if os.path.isdir(path) and not os.path.islink(path):
            shutil.rmtree(path, ignore_errors=True)
        else:
            try:
                os.unlink(path)
            except OSError:
                pass
    finally:
        if blocked:
            signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def pid_alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_stale_staging(parent: str | Path) -> list[Path]:
    """Remove ``.<name>.partial-<pid>`` folders in ``parent`` whose process is dead; return them.

    Idempotent and quiet: a folder that vanishes meanwhile, or cannot be removed, is left alone.
    """
    removed = []
    try:
        entries = list(os.scandir(parent))
    except OSError:
        return removed
    for entry in entries:
        match = _STAGING.match(entry.name)
        if match is None or int(match["pid"]) == os.getpid() or pid_alive(int(match["pid"])):
            continue
        path = Path(entry.path)
        try:
            if entry.is_dir(follow_symlinks=False):
                shutil.rmtree(path)
            else:
                path.unlink()
            removed.append(path)
        except OSError:
            continue
    return removed
