"""Zarr stores written chunk by chunk, with markers that make an interrupted run resumable.

A store is built as ``<name>.partial``; every finished chunk leaves a marker (in
``<name>.chunks.partial``): a JSON record with the SHA-256 of the chunk's data as written. A
resume reads every marked chunk back from the store and checks its digest; a chunk that fails is
recomputed. The store is renamed to its final name only once every chunk is in and verified, so
nothing incomplete ever looks complete.

Reducer partials (a fan's histogram counts are ~50 MB a chunk: 75 GB for 10^8 scenarios) are not
kept per chunk: the run folds them in chunk order and, from time to time, saves the fold so far
as a checkpoint (``fold_<next>.npz``, committed by ``fold.json`` with its digest and the first
chunk it does not hold). A resume starts from the checkpoint and computes every chunk after it
again (their data, already written, are written again with the same bits); if a chunk inside it
fails verification or is missing, the checkpoint is dropped and every chunk is folded afresh
(the fold is a fixed left fold, so the bits are the same either way).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import xarray as xr

from engine import io


class StoredChunk(Protocol):
    """What the store needs of a chunk's result (``engine.chunks.ChunkResult`` is one): its
    number, its rows [start, stop) and its variables' values. Declared here so that the store
    does not import the chunks that use it."""

    index: int
    start: int
    stop: int
    data: Mapping[str, np.ndarray] | None

log = logging.getLogger("meek")


class StoreError(ValueError):
    """A store that cannot be used as asked; the message says what to do."""


def digest(arrays: Mapping[str, np.ndarray]) -> str:
    """SHA-256 of named arrays (names, dtypes, shapes and bytes, in name order)."""
    h = hashlib.sha256()
    for name in sorted(arrays):
        a = np.ascontiguousarray(arrays[name])
        h.update(f"{name}|{a.dtype.str}|{a.shape}|".encode())
        h.update(a.tobytes())
    return h.hexdigest()


def file_digest(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


class ZarrStore:
    """One run's scenarios on disk, written in chunks of ``chunk_rows`` rows.

    Parameters
    ----------
    path : Path
        The final store (``.../scenarios.zarr``); work happens in ``<path>.partial``.
    template : xarray.Dataset
        A lazy Dataset with the layout (dims, dtypes, attrs, coords) of the whole store.
    chunk_rows : int
        Rows per chunk: each task writes whole chunks, so no two tasks touch one zarr chunk.
    fingerprint : str
        Identifies the run's configuration; a resume with another fingerprint is refused.
    """

    def __init__(self, path: Path, template: xr.Dataset, chunk_rows: int,
                 fingerprint: str) -> None:
        self.path = Path(path)
        self.partial = Path(str(path) + ".partial")
        # markers live beside the store (zarr would take a folder inside for a broken array)
        self.markers = Path(str(path) + ".chunks.partial")
        # only the layout is kept: the template (lazy, with the coordinates) is written at open
        # and dropped, so the store travels to workers small
        self.template: xr.Dataset | None = template
        self.names = list(template.data_vars)
        self.chunk_rows = chunk_rows
        self.fingerprint = fingerprint

    # ------------------------------------------------------------------------- set-up

    def open(self, resume: bool) -> set[int]:
        """Create the store (or, with ``resume``, reopen it) and return the verified chunks."""
        if self.path.exists() and resume and (self.markers / "layout.json").exists():
            # evaluated, not yet published (killed while writing or drawing): verified again
            # and kept, from its saved fold of every chunk
            os.replace(self.path, self.partial)
        if self.path.exists():
            raise StoreError(f"{self.path} exists already: this run directory holds finished "
                             "results; choose another hydra.run.dir")
        if self.partial.exists() and not resume:
            raise StoreError(f"{self.partial} holds an interrupted run: add resume=true (same "
                             "hydra.run.dir and configuration) to finish it, or remove it")
        if resume and self.partial.exists():
            return self._reopen()
        if self.markers.exists():
            shutil.rmtree(self.markers)
        if resume:
            log.info("resume=true but no interrupted store at %s: starting afresh", self.partial)
        template = self.template
        assert template is not None, "a store is opened once"
        encoding = {name: {"chunks": (self.chunk_rows,) + v.shape[1:]}
                    for name, v in template.variables.items() if v.dims[:1] == ("scenario",)}
        template.to_zarr(str(self.partial), mode="w", compute=False, consolidated=False,
                         zarr_format=2, encoding=encoding)
        self._write_lazy_coordinates(template)
        self.template = None
        self.markers.mkdir(parents=True)
        (self.markers / "layout.json").write_text(json.dumps(
            {"fingerprint": self.fingerprint, "chunk_rows": self.chunk_rows}))
        return set()

    def _write_lazy_coordinates(self, template: xr.Dataset) -> None:
        """Coordinates held lazily (the ``scenario`` numbers of a 10^8 run would take 0.4 GB,
        and an index of them more) are written chunk by chunk: ``to_zarr(compute=False)`` wrote
        their metadata only."""
        import zarr

        group = zarr.open_group(str(self.partial), mode="r+")
        for name, coord in template.coords.items():
            data = coord.variable.data
            if not hasattr(data, "dask"):
                continue
            for a in range(0, coord.shape[0], self.chunk_rows):
                b = min(a + self.chunk_rows, coord.shape[0])
                group[str(name)][a:b] = np.asarray(data[a:b])

    def _reopen(self) -> set[int]:
        layout = self.markers / "layout.json"
        try:
            info = json.loads(layout.read_text())
        except (OSError, ValueError) as err:
            raise StoreError(f"{self.partial}: its layout record is missing or damaged "
                             f"({type(err).__name__}); remove it and run again") from None
        if info.get("fingerprint") != self.fingerprint or \
                info.get("chunk_rows") != self.chunk_rows:
            raise StoreError(f"resume=true: {self.partial} was started with another "
                             "configuration; run without resume in a new directory")
        folded = self._checkpoint_next()
        finished = set()
        for record in sorted(self.markers.glob("chunk_*.json")):
            index = int(record.stem.split("_")[1])
            problem = self._verify(index)
            if problem is None:
                finished.add(index)
                continue
            log.warning("chunk %d of the interrupted run failed verification (%s); it is "
                        "computed again", index, problem)
            self._forget(index)
        lost = [i for i in range(folded) if i not in finished]
        if lost:  # the checkpoint holds a chunk that must be computed again
            log.warning("the checkpoint of folded partials holds chunk %d: dropped, and the %d "
                        "chunks it held are folded again", lost[0], folded)
            self._drop_checkpoint()
            folded = 0
        self.folded = folded
        return finished

    # ------------------------------------------------------------------------- checkpoints

    #: the first chunk whose partials the checkpoint does not hold (0: no checkpoint)
    folded = 0

    def _checkpoint_next(self) -> int:
        """The verified checkpoint's next chunk, or 0 (a damaged one is dropped, said)."""
        commit = self.markers / "fold.json"
        if not commit.exists():
            return 0
        try:
            info = json.loads(commit.read_text())
            if file_digest(self.markers / info["file"]) != info["digest"]:
                raise ValueError("its digest does not match")
            return int(info["next"])
        except Exception as err:
            log.warning("the checkpoint of folded partials failed verification (%s); the "
                        "chunks it held are computed again", f"{type(err).__name__}: {err}"[:200])
            self._drop_checkpoint()
            return 0

    def _drop_checkpoint(self) -> None:
        (self.markers / "fold.json").unlink(missing_ok=True)
        for path in self.markers.glob("fold_*.npz"):
            path.unlink(missing_ok=True)

    def checkpoint(self, next_index: int, arrays: Mapping[str, np.ndarray]) -> None:
        """Save the fold of chunks [0, next_index)."""
        path = self.markers / f"fold_{next_index:07d}.npz"
        tmp = path.with_suffix(".tmp.npz")
        np.savez(tmp, **arrays)
        os.replace(tmp, path)
        commit = self.markers / "fold.json"
        tmp_json = commit.with_suffix(".tmp")
        tmp_json.write_text(json.dumps({"next": next_index, "file": path.name,
                                        "digest": file_digest(path)}))
        os.replace(tmp_json, commit)  # the commit: from here the checkpoint is the one
        for old in self.markers.glob("fold_*.npz"):
            if old != path:
                old.unlink(missing_ok=True)
        self.folded = next_index

    def checkpointed(self) -> dict[str, np.ndarray] | None:
        """The checkpoint's fold (after ``open``), or None."""
        if not self.folded:
            return None
        info = json.loads((self.markers / "fold.json").read_text())
        with np.load(self.markers / info["file"]) as f:
            return {k: f[k] for k in f.files}

    def _verify(self, index: int) -> str | None:
        try:
            record = json.loads(self._record(index).read_text())
            start, stop = index * self.chunk_rows, record["stop"]
            with io.open_zarr(self.partial, consolidated=False) as ds:
                data = {name: ds[name].isel(scenario=slice(start, stop)).values
                        for name in self.names}
            if digest(data) != record["data"]:
                return "its data do not match their checksum"
        except Exception as err:  # whatever cannot be read back cannot be trusted
            return f"{type(err).__name__}: {err}"[:200]
        return None

    def _record(self, index: int) -> Path:
        return self.markers / f"chunk_{index:07d}.json"

    def _forget(self, index: int) -> None:
        self._record(index).unlink(missing_ok=True)

    # ------------------------------------------------------------------------- in the workers

    def write(self, chunk: StoredChunk) -> None:
        """Write one chunk's data into its region, then its marker (the marker last: it is the
        commit)."""
        import zarr

        if chunk.data is None:
            raise ValueError(f"chunk {chunk.index}: no data to write")  # a bug, not input
        group = zarr.open_group(str(self.partial), mode="r+")
        for name, values in chunk.data.items():
            group[name][chunk.start:chunk.stop] = values
        record = {"stop": chunk.stop, "data": digest(chunk.data)}
        tmp_json = self._record(chunk.index).with_suffix(".tmp")
        tmp_json.write_text(json.dumps(record))
        os.replace(tmp_json, self._record(chunk.index))

    # ------------------------------------------------------------------------- the end

    def finalize(self, chunks: int) -> Path:
        """Check every chunk is marked, consolidate, and rename to the final name.

        The markers (and the saved fold) stay beside the store until the run directory is
        published (:meth:`engine.runs.RunDir.publish` removes them): a run stopped between the
        end of its evaluation and publishing resumes from the finished store."""
        import zarr

        missing = [i for i in range(chunks) if not self._record(i).exists()]
        if missing:
            raise StoreError(f"{self.partial}: chunks {missing[:5]} never finished")
        zarr.consolidate_metadata(str(self.partial))
        os.replace(self.partial, self.path)
        return self.path

    def describe(self) -> dict[str, Any]:
        return {"path": str(self.path), "chunk_rows": self.chunk_rows}
