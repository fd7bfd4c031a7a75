"""Files and folders that only the kiosk's own user may read.

The database, the PDFs and the secret key hold patients' health information
or protect it: folders are made 0700 and files 0600, whatever the umask of the
process that starts the app.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

FOLDER_MODE = 0o700
FILE_MODE = 0o600
log = logging.getLogger(__name__)


def private_folder(path: str | Path) -> Path:
    """Make ``path`` (and any missing parents) and close it to other users.

    A folder left open by an earlier version is closed too.
    """
    folder = Path(path)
    folder.mkdir(mode=FOLDER_MODE, parents=True, exist_ok=True)
    restrict(folder, FOLDER_MODE)
    return folder


def restrict(path: Path, mode: int) -> None:
    """``chmod`` to ``mode`` when the path is open to others; warn when not allowed."""
    try:
        if path.stat().st_mode & 0o777 != mode:
            path.chmod(mode)
    except FileNotFoundError:
        pass
    except PermissionError:
        log.warning("cannot restrict %s to mode %o: not its owner", path, mode)


def create_private_file(path: Path, data: bytes, *, exclusive: bool = True) -> None:
    """Write ``data`` to a new file of mode 0600 (created with that mode, never wider)."""
    flags = os.O_WRONLY | os.O_CREAT | (os.O_EXCL if exclusive else os.O_TRUNC)
    fd = os.open(path, flags, FILE_MODE)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
