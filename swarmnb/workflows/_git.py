"""The few git operations a team needs, run on the host (git is trusted; the code is not).

Commits use a fixed team identity and never sign; hooks in the workspace are not run
(``core.hooksPath`` points nowhere), since the workspace holds model-written files.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from .._exceptions import GitError

__all__ = ["Git", "GitError"]

_ENV = {
    "GIT_AUTHOR_NAME": "swarmnb team",
    "GIT_AUTHOR_EMAIL": "team@swarmnb.invalid",
    "GIT_COMMITTER_NAME": "swarmnb team",
    "GIT_COMMITTER_EMAIL": "team@swarmnb.invalid",
    "GIT_TERMINAL_PROMPT": "0",
}


class Git:
    """``git -C workspace …`` with errors that say what failed."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def __call__(self, *args: str, check: bool = True) -> str:
        env = {**os.environ, **_ENV}
        done = subprocess.run(
            ["git", "-C", str(self.root), "-c", "core.hooksPath=/dev/null",
             "-c", "core.fsmonitor=false", "-c", "commit.gpgsign=false", *args],
            capture_output=True, text=True, env=env, check=False,
        )  # fmt: skip
        if check and done.returncode != 0:
            raise GitError(f"git {' '.join(args)} failed: {(done.stderr or done.stdout).strip()}")
        return done.stdout.strip()

    def ensure_repo(self) -> str:
        """Make the workspace a repository if it is not one (files already there become its
        first commit, so nothing is lost); return the current branch."""
        if not (self.root / ".git").exists():
            self("init", "-q", "-b", "main")
            self("add", "-A")
            self("commit", "-q", "--allow-empty", "-m", "Start the workspace")
        elif not self("rev-parse", "--verify", "-q", "HEAD", check=False):
            self("commit", "-q", "--allow-empty", "-m", "Start the workspace")
        return self("rev-parse", "--abbrev-ref", "HEAD")

    def dirty(self) -> list[str]:
        return [line[3:] for line in self("status", "--porcelain").splitlines() if line.strip()]

    def commit(self, paths: list[str], message: str) -> str:
        self("add", "--", *paths)
        self("commit", "-q", "-m", message)
        return self("rev-parse", "HEAD")

    def log(self, ref: str = "HEAD", n: int = 20) -> list[str]:
        return self("log", "--format=%h %s", f"-{n}", ref).splitlines()
