"""Writing files so that a crash or a full disk never leaves them half-written."""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Iterable
from pathlib import Path


def write_bytes_atomic(path: Path | str, parts: Iterable[bytes]) -> None:
    """Write ``parts``, one after the other, to ``path`` through a temporary
    file in the same folder.

    The temporary file is flushed to disk (``fsync``) and renamed over ``path``
    (``os.replace``), so readers see the old file or the new one, never a mix.

    Raises:
        OSError: the folder does not exist or is not writable, or the disk is
            full; ``path`` is untouched and the temporary file removed.
    """
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    try:
        with open(tmp, "wb") as fh:
            for part in parts:
                fh.write(part)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def write_text_atomic(path: Path | str, text: str) -> None:
    """Write ``text`` (UTF-8) to ``path`` as :func:`write_bytes_atomic` does."""
    write_bytes_atomic(path, [text.encode("utf-8")])


def write_json_atomic(path: Path | str, data: object) -> None:
    """Write ``data`` as indented JSON to ``path``, as :func:`write_text_atomic` does."""
    write_text_atomic(path, json.dumps(data, indent=2))
