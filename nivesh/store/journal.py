"""The prediction log's spill journal: batches the store could not take, kept on local disk
(an emptyDir in a pod) until the store takes them back.

Each batch is one JSON-lines file, written under a temporary name and renamed into place,
so a reader never sees half a batch. Files are replayed oldest first and deleted only once
the store has them; the store's unique key on (model, component, request id) makes a replay
that is cut short and repeated add nothing twice.
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import orjson

from nivesh.store.tables import JsonText

log = logging.getLogger(__name__)

SUFFIX = ".jsonl"


def _encode(value: Any) -> Any:
    if isinstance(value, JsonText):  # kept as the JSON it holds: replayed, it is stored the same
        return orjson.loads(value.text)
    if isinstance(value, datetime):
        return {"$datetime": value.isoformat()}
    raise TypeError(type(value).__name__)


def _decode(obj: dict[str, Any]) -> Any:
    if obj.keys() == {"$datetime"}:
        return datetime.fromisoformat(obj["$datetime"])
    return obj


class Journal:
    """One folder per model server component; bounded in bytes (beyond: append refuses)."""

    def __init__(self, folder: Path, max_bytes: int) -> None:
        self.folder = folder
        self.max_bytes = max_bytes
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        self.bytes = sum(p.stat().st_size for p in self._files())

    def _files(self) -> list[Path]:
        return sorted(self.folder.glob(f"*{SUFFIX}"))

    def __len__(self) -> int:
        return len(self._files())

    def append(self, rows: list[dict[str, Any]]) -> bool:
        """Keep `rows` on disk (fsynced); False when the journal is full or the disk refuses."""
        data = "".join(json.dumps(r, default=_encode, allow_nan=False) + "\n" for r in rows).encode()
        if self.bytes + len(data) > self.max_bytes:
            return False
        name = f"{time.time_ns():020d}-{os.getpid()}{SUFFIX}"
        tmp = self.folder / f".{name}.tmp"
        try:
            with open(tmp, "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
            tmp.rename(self.folder / name)
        except OSError as exc:
            log.error("prediction journal: could not write a batch (%s)", exc.strerror or type(exc).__name__)
            tmp.unlink(missing_ok=True)
            return False
        self.bytes += len(data)
        return True

    def batches(self) -> Iterator[tuple[Path, list[dict[str, Any]]]]:
        """Stored batches, oldest first (files another process replayed meanwhile are skipped)."""
        for path in self._files():
            try:
                text = path.read_text()
                rows = [json.loads(line, object_hook=_decode) for line in text.splitlines() if line]
            except FileNotFoundError:
                continue
            except ValueError:  # not ours, or a disk fault: set aside for a person, not replayed forever
                log.error("prediction journal: %s is unreadable; renamed to .corrupt", path.name)
                path.rename(path.with_suffix(".corrupt"))
                continue
            yield path, rows

    def replay(self, write: Callable[[list[dict[str, Any]]], None], deadline: float | None = None) -> int:
        """Hand each stored batch to `write` and delete it once written; returns rows replayed.
        An exception from `write` (the store went away again) stops the replay, files kept."""
        done = 0
        for path, rows in self.batches():
            if deadline is not None and time.monotonic() > deadline:
                break
            write(rows)
            size = path.stat().st_size if path.exists() else 0
            path.unlink(missing_ok=True)
            self.bytes = max(0, self.bytes - size)
            done += len(rows)
        return done
