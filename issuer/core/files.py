"""Modes of the data directory: only the service's own user reads what it holds.

The data directory (``CREDITBANK_HOME``) holds the SQLite database and the key store; it
is made 0700 and every file directly in it or in its ``keys/`` folder 0600, whatever the
umask was when they were written (SQLite and older key stores used 0644).
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from issuer.core.errors import DataDirectoryMissing

__all__ = ["require_home", "secure_home"]


def require_home(home: Path) -> None:
    """Raise :class:`DataDirectoryMissing` unless ``home`` is a directory."""
    if not home.is_dir():
        raise DataDirectoryMissing(
            f"the data directory {home} does not exist; run `creditbank db upgrade` to create "
            "it, or set CREDITBANK_HOME to the right one"
        )


def secure_home(home: Path) -> None:
    """Make ``home`` and ``home/keys`` 0700 and the files in them 0600."""
    for directory in (home, home / "keys"):
        if not directory.is_dir():
            continue
        os.chmod(directory, 0o700)
        for entry in directory.iterdir():
            mode = entry.lstat().st_mode
            if stat.S_ISREG(mode) and stat.S_IMODE(mode) & 0o077:
                os.chmod(entry, 0o600)
