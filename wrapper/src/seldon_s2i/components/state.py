"""A bandit's per-arm counts, shared by every worker process through one state file.

Feedback updates are read-modify-write under an exclusive ``flock`` on a side lock file, and the new state
is written to a temporary file and moved over the old one with ``os.replace``: a reader never sees a
half-written file, a crash never leaves one, and concurrent workers never lose an update. Readers (every
``route``) take no lock; they reload only when the file's identity changed (``os.replace`` gives it a new
inode), so the hot path costs one ``stat``.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from seldon_s2i.components.parameters import ParameterError

# File timestamps can be as coarse as a kernel tick, and a freed inode number comes back: a file changed this
# recently could be replaced again with the same (inode, mtime, size), so it is not cached as known.
_SETTLED_NS = 50_000_000


def _identity(status: os.stat_result) -> tuple[int, int, int] | None:
    if time.time_ns() - status.st_mtime_ns < _SETTLED_NS:
        return None
    return (status.st_ino, status.st_mtime_ns, status.st_size)


@dataclass(frozen=True)
class ArmCounts:
    pulls: np.ndarray  # rewards received per arm
    rewards: np.ndarray  # sum of those rewards per arm

    @classmethod
    def empty(cls, arms: int) -> ArmCounts:
        return cls(np.zeros(arms, dtype=np.int64), np.zeros(arms, dtype=np.float64))

    def values(self) -> np.ndarray:
        """Mean reward per arm (0 for an arm with no reward yet)."""
        means: np.ndarray = np.divide(self.rewards, self.pulls, out=np.zeros_like(self.rewards), where=self.pulls > 0)
        return means

    def add(self, arm: int, reward: float) -> ArmCounts:
        pulls, rewards = self.pulls.copy(), self.rewards.copy()
        pulls[arm] += 1
        rewards[arm] += reward
        return ArmCounts(pulls, rewards)

    def to_json(self) -> bytes:
        return json.dumps({"pulls": self.pulls.tolist(), "rewards": self.rewards.tolist()}).encode()


class ArmState:
    """Counts in memory (``path`` None: this process only) or in a state file shared by all workers."""

    def __init__(self, component: str, arms: int, path: str | None) -> None:
        self._component = component
        self._arms = arms
        self._path = Path(path) if path else None
        self._lock = threading.Lock()
        self._identity: tuple[int, int, int] | None = None
        self._counts = ArmCounts.empty(arms)
        if self._path is not None:
            self._check_writable(self._path)
            self._counts = self._read_checked()

    # ---- reading ------------------------------------------------------------------------------------------
    def counts(self) -> ArmCounts:
        if self._path is None:
            return self._counts
        try:
            status = os.stat(self._path)
        except FileNotFoundError:
            return self._counts
        if _identity(status) != self._identity or self._identity is None:
            with self._lock:
                self._counts = self._read_checked()
        return self._counts

    def _read_checked(self) -> ArmCounts:
        assert self._path is not None
        try:
            with open(self._path, "rb") as handle:
                status = os.fstat(handle.fileno())
                content = json.loads(handle.read())
        except FileNotFoundError:
            return ArmCounts.empty(self._arms)
        except (OSError, ValueError) as error:
            raise ParameterError(f"{self._component}: parameter 'state_path': cannot read {self._path}: {error}") from None
        counts = self._parse(content)
        self._identity = _identity(status)
        return counts

    def _parse(self, content: object) -> ArmCounts:
        try:
            assert isinstance(content, dict)
            pulls = np.asarray(content["pulls"], dtype=np.int64)
            rewards = np.asarray(content["rewards"], dtype=np.float64)
        except (AssertionError, KeyError, TypeError, ValueError):
            raise ParameterError(
                f"{self._component}: parameter 'state_path': {self._path} is not a bandit state file"
            ) from None
        if pulls.shape != (self._arms,) or rewards.shape != (self._arms,):
            raise ParameterError(
                f"{self._component}: parameter 'state_path': {self._path} holds {pulls.size} arms but "
                f"parameter 'n_branches' is {self._arms} (remove the file to start afresh)"
            )
        return ArmCounts(pulls, rewards)

    # ---- writing ------------------------------------------------------------------------------------------
    def record(self, arm: int, reward: float) -> ArmCounts:
        """Add one reward to ``arm``; with a state file, under the lock and without losing others' updates."""
        if self._path is None:
            with self._lock:
                self._counts = self._counts.add(arm, reward)
                return self._counts
        lock_path = self._path.with_name(self._path.name + ".lock")
        with open(lock_path, "a") as lock, self._lock:
            fcntl.flock(lock.fileno(), fcntl.LOCK_EX)
            try:
                counts = self._read_checked().add(arm, reward)
                self._write(counts)
                self._counts = counts
            finally:
                fcntl.flock(lock.fileno(), fcntl.LOCK_UN)
        return counts

    def _write(self, counts: ArmCounts) -> None:
        assert self._path is not None
        descriptor, temporary = tempfile.mkstemp(prefix=f".{self._path.name}.", dir=self._path.parent)
        try:
            with os.fdopen(descriptor, "wb") as handle:
                handle.write(counts.to_json())
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temporary, self._path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
            raise
        self._identity = _identity(os.stat(self._path))

    def _check_writable(self, path: Path) -> None:
        folder = path.parent
        if not folder.is_dir():
            raise ParameterError(f"{self._component}: parameter 'state_path': folder {folder} does not exist")
        if not os.access(folder, os.W_OK | os.X_OK):
            raise ParameterError(f"{self._component}: parameter 'state_path': folder {folder} is not writable")
