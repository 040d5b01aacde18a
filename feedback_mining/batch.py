"""Batch classification at scale: streamed, parallel, resumable, atomic — or on Dask.

>>> summary = classify_file("2026-10.csv", "out/2026-10-classified.csv", workers=2)
>>> summary.rows_written

The input is read in chunks; each chunk is classified in a worker process and written as a
part file (atomically) under ``OUTPUT.parts/``. When every chunk is done the parts are
joined, in input order, into a temporary file that is renamed to OUTPUT. An interrupted run
leaves no file under the final name; ``resume=True`` reuses the finished parts.
"""
from __future__ import annotations

import gc
import hashlib
import json
import os
import pickle
import shutil
import sys
import time
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from contextlib import ExitStack
from dataclasses import dataclass, field
from itertools import chain
from pathlib import Path

import numpy as np
import pandas as pd

from . import __version__
from .data.columns import make_room
from .data.read import LoadReport, iter_complaint_chunks
from .data.write import (
    atomic_write,
    check_output,
    mask_frame,
    neutralized,
    protect_inputs,
    remove_stale_temps,
    write_rejects,
    write_table,
)
from .errors import UserError
from .models.gapmodel import sha256_file
from .parallel import pool_context
from .pipeline import classify_columns, classify_frame

__all__ = ["BatchSummary", "classify_file", "classify_file_dask", "OUTPUT_EXTENSIONS", "check_batch_paths", "side_paths",
           "model_fingerprint"]

OUTPUT_EXTENSIONS = (".csv", ".tsv", ".jsonl", ".parquet", ".xlsx")


@dataclass
class BatchSummary:
    rows_read: int = 0
    rows_written: int = 0
    rows_rejected: int = 0
    needs_review: int = 0
    high_risk: int = 0
    empty_texts: int = 0
    truncated: int = 0
    seconds: float = 0.0
    resumed_rows: int = 0
    rejects_path: str | None = None
    output: str = ""
    renamed: dict = field(default_factory=dict)
    encoding: str | None = None
    extra: dict = field(default_factory=dict)

    def counts(self) -> dict:
        """The row accounting as written to ``OUTPUT.meta.json``."""
        return {"rows_read": self.rows_read, "rows_written": self.rows_written, "rows_rejected": self.rows_rejected,
                "empty_texts": self.empty_texts, "truncated": self.truncated, "resumed_rows": self.resumed_rows}

    def line(self) -> str:
        share = self.needs_review / self.rows_written if self.rows_written else 0.0
        rate = self.rows_written / self.seconds if self.seconds else 0.0
        parts = [f"rows read {self.rows_read}", f"written {self.rows_written}", f"rejected {self.rows_rejected}"]
        if self.rejects_path:
            parts[-1] += f" (see {self.rejects_path})"
        parts += [f"needs_review {share:.1%}", f"high escalation risk {self.high_risk}", f"{self.seconds:.1f} s ({rate:,.0f} rows/s)"]
        if self.resumed_rows:
            parts.append(f"resumed after {self.resumed_rows} rows")
        if self.truncated:
            parts.append(f"{self.truncated} texts truncated")
        return "classify: " + ", ".join(parts)


# --- worker side ----------------------------------------------------------------------------
_WORKER: dict = {}


def _init(model, text_column: str, mask: bool) -> None:
    _WORKER.update(model=model, text_column=text_column, mask=mask)


def classify_chunk(chunk: pd.DataFrame, model, text_column: str, mask: bool) -> pd.DataFrame:
    """One chunk → output rows (input columns masked unless ``mask=False``); shared by both engines."""
    out = classify_frame(chunk, model, text_column)
    if mask:  # the input's columns and complaint_id (an id column may hold a phone number); the header too
        out = mask_frame(out, user_columns(out, model))
    return out


def user_columns(out: pd.DataFrame, model) -> list[str]:
    """Columns of classified rows that hold what users typed (the input's, renamed ones such as
    ``gap_input``, ``complaint_id``) plus ``escalation_reasons`` (phrases quoted from the text):
    the ones to mask and to check for spreadsheet formulas. The classifier's own columns hold neither."""
    own = set(classify_columns(model)) - {"escalation_reasons"} | {"empty_text"}
    return [c for c in out.columns if c not in own]


_TEXT_OUTPUTS = (".csv", ".tsv", ".jsonl")


def _part_path(parts_dir: str | Path, index: int, output_ext: str) -> Path:
    """Part ``index``: already in the output's format for text outputs (the driver only appends bytes)."""
    return Path(parts_dir) / f"{index:07d}{output_ext if output_ext in _TEXT_OUTPUTS else '.parquet'}"


def _counts(out: pd.DataFrame) -> tuple[int, int, int]:
    """Rows, needs_review and high-escalation counts of classified rows."""
    return len(out), int(out["needs_review"].sum()), int((out["escalation_risk"] == "high").sum())


def _write_part(out: pd.DataFrame, path: Path, index: int, columns: list[str]) -> tuple[int, int, int]:
    """Write one classified chunk as a part file (the first CSV/TSV part carries the header), and
    its counts beside it (read back on ``--resume``). ``columns`` (the input's columns and
    ``complaint_id``, quoted phrases) are the ones a spreadsheet formula could hide in; the
    classifier's own columns cannot hold one."""
    counts = _counts(out)
    with atomic_write(path.with_suffix(".counts"), "w") as fh:
        json.dump(counts, fh)
    with atomic_write(path, "wb") as fh:
        if path.suffix in (".csv", ".tsv"):  # Arrow's CSV writer: several times faster than DataFrame.to_csv
            import pyarrow as pa
            import pyarrow.csv as pa_csv

            frame = neutralized(out, columns)
            for c in frame.columns[frame.dtypes == bool]:
                frame[c] = np.where(frame[c], "True", "False")  # as everywhere else, not Arrow's true/false
            pa_csv.write_csv(pa.Table.from_pandas(frame, preserve_index=False), fh,
                             pa_csv.WriteOptions(include_header=index == 0, delimiter="\t" if path.suffix == ".tsv" else ","))
        elif path.suffix == ".jsonl":
            fh.write(out.to_json(orient="records", lines=True, force_ascii=False).encode("utf-8"))
        else:
            out.to_parquet(fh, index=False)
    return counts


def _part_counts(path: Path) -> tuple[int, int, int]:
    return tuple(json.loads(path.with_suffix(".counts").read_text(encoding="utf-8")))


def _classify_part(index: int, chunk: pd.DataFrame, parts_dir: str, output_ext: str) -> tuple[int, int, int, int]:
    w = _WORKER
    out = classify_chunk(chunk, w["model"], w["text_column"], w["mask"])
    return (index, *_write_part(out, _part_path(parts_dir, index, output_ext), index, user_columns(out, w["model"])))


# --- driver -------------------------------------------------------------------------------
class _PartJoiner:
    """Appends finished part files to the output, in input order, while later chunks still run.

    A context manager: the output is a temporary file renamed into place on a clean exit and
    removed on an error, so an interrupted run never leaves a half file under the final name.
    """

    def __init__(self, output: Path, parts_dir: Path):
        self.output, self.parts_dir, self.ext = output, parts_dir, output.suffix.lower()
        self.next = 0
        self._stack = ExitStack()
        self._fh = None if self.ext == ".xlsx" else self._stack.enter_context(atomic_write(output, "wb"))
        self._writer = None
        self._frames: list[pd.DataFrame] = []
        if self.ext in (".csv", ".tsv"):
            self._fh.write("\ufeff".encode("utf-8"))  # a BOM, so Excel opens the Chinese text correctly

    def __enter__(self) -> "_PartJoiner":
        return self

    def ready(self, finished) -> None:
        """Append every part from the next expected one on that is in ``finished`` (part indexes)."""
        while self.next in finished:
            self._append(_part_path(self.parts_dir, self.next, self.ext))
            self.next += 1

    def _append(self, part: Path) -> None:
        if self.ext in _TEXT_OUTPUTS:  # the part is already in the output format
            with open(part, "rb") as src:
                shutil.copyfileobj(src, self._fh, 1 << 20)
        elif self.ext == ".parquet":
            import pyarrow.parquet as pq

            table = pq.read_table(part)
            if self._writer is None:
                self._writer = pq.ParquetWriter(self._fh, table.schema)
            self._writer.write_table(table.cast(self._writer.schema) if table.schema != self._writer.schema else table)
        else:  # xlsx: Excel-sized data, whole file in memory
            self._frames.append(pd.read_parquet(part))

    def __exit__(self, exc_type, exc, tb) -> bool:
        if exc_type is None:
            try:
                if self._writer is not None:
                    self._writer.close()
                if self.ext == ".xlsx":
                    write_table(pd.concat(self._frames, ignore_index=True), self.output, mask=False)
            except BaseException:
                self._stack.__exit__(*sys.exc_info())  # removes the temporary file
                raise
        return self._stack.__exit__(exc_type, exc, tb)


def model_fingerprint(model) -> str:
    """What identifies a model for ``--resume``: the SHA-256 its sidecar recorded, else a hash of the
    pickled estimator (the default model and models built in this session)."""
    meta = getattr(model, "metadata_", None)
    if isinstance(meta, dict) and meta.get("model_sha256"):
        return str(meta["model_sha256"])
    return hashlib.sha256(pickle.dumps(model, protocol=5)).hexdigest()


def side_paths(output: str | os.PathLike) -> dict[str, Path]:
    """Every file and folder a classify run writes besides ``output``."""
    return {name: Path(str(output) + suffix) for name, suffix in
            (("parts", ".parts"), ("rejects", ".rejects.csv"), ("meta", ".meta.json"))}


def check_batch_paths(input_path: str | os.PathLike, output: str | os.PathLike) -> None:
    """Refuse, before any work, outputs that would replace, delete or hold the input."""
    output = Path(output)
    if output.suffix.lower() not in OUTPUT_EXTENSIONS:
        raise UserError(f"{output}: unsupported output type {output.suffix or '(none)'}; use {' '.join(OUTPUT_EXTENSIONS)}")
    check_output(output, inputs=[input_path])
    for name, path in side_paths(output).items():
        check_output(path, inputs=[input_path], folder=name == "parts", what=f"{name} file")
    parts = side_paths(output)["parts"]
    if Path(input_path).exists() and parts.exists() and Path(input_path).resolve().is_relative_to(parts.resolve()):
        raise UserError(f"{input_path}: the input lies in {parts}, which the run deletes; move it elsewhere")


class _LocalRunner:
    """Chunks classified in this process (one worker) or a fork pool sharing the loaded model."""

    def __init__(self, workers: int, model, col: str, mask: bool):
        _init(model, col, mask)
        self.capacity = workers
        self.pool = None
        if workers > 1:
            gc.freeze()  # forked workers then share the loaded model's pages instead of copying them (no collect: 0.1 s)
            self.pool = ProcessPoolExecutor(workers, mp_context=pool_context(), initializer=_init, initargs=(model, col, mask))

    def submit(self, index: int, chunk: pd.DataFrame, parts_dir: str, ext: str):
        if self.pool is None:
            return _classify_part(index, chunk, parts_dir, ext)  # a result, not a future
        return self.pool.submit(_classify_part, index, chunk, parts_dir, ext)

    @staticmethod
    def wait(pending: set):
        return wait(pending, return_when=FIRST_COMPLETED)

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
            gc.unfreeze()


class _DaskRunner:
    """The same chunks and part files as :class:`_LocalRunner`, classified on Dask workers: the
    driver reads the input with the package's reader (so ids, rejects, truncation and the
    accounting are the local engine's) and workers write the parts (a shared folder on a cluster)."""

    def __init__(self, scheduler: str | None, n_workers: int, model, col: str, mask: bool):
        try:
            from dask.distributed import Client, LocalCluster
        except ImportError:
            raise UserError("the Dask engine needs dask[dataframe] and distributed: pip install 'feedback-mining[dask]'") from None
        self.cluster = None
        try:
            if scheduler:
                self.client = Client(scheduler, timeout="10s")
            else:
                self.cluster = LocalCluster(n_workers=n_workers, threads_per_worker=1, host="127.0.0.1", dashboard_address=None,
                                            processes=True)
                self.client = Client(self.cluster)
        except (OSError, TimeoutError) as exc:
            raise UserError(f"cannot reach the Dask scheduler {scheduler or '(local cluster)'}: {type(exc).__name__}") from None
        self.capacity = 2 * max(1, len(self.client.scheduler_info().get("workers", {})) or n_workers)
        self.model = self.client.scatter(model, broadcast=True)
        self.col, self.mask = col, mask

    def submit(self, index: int, chunk: pd.DataFrame, parts_dir: str, ext: str):
        return self.client.submit(_dask_classify_part, index, chunk, self.model, self.col, self.mask, parts_dir, ext, pure=False)

    @staticmethod
    def wait(pending: set):
        from dask.distributed import wait as dask_wait

        done = dask_wait(list(pending), return_when="FIRST_COMPLETED")
        return set(done.done), set(done.not_done)

    def close(self) -> None:
        self.client.close()
        if self.cluster is not None:
            self.cluster.close()


def _dask_classify_part(index: int, chunk: pd.DataFrame, model, col: str, mask: bool, parts_dir: str, ext: str):
    """:func:`_classify_part` on a Dask worker (the model comes with the task, scattered once)."""
    out = classify_chunk(chunk, model, col, mask)
    return (index, *_write_part(out, _part_path(parts_dir, index, ext), index, user_columns(out, model)))


def classify_file(input_path: str | os.PathLike, output: str | os.PathLike, model, *,
                  text_column: str | None = None, sheet: str | None = None, workers: int | None = None,
                  chunk_rows: int = 5_000, resume: bool = False, quiet: bool = False, mask: bool = True,
                  strict: bool = False, engine: str = "local", scheduler: str | None = None,
                  dask_workers: int = 2) -> BatchSummary:
    """Classify a complaint file of any size into ``output`` (.csv .tsv .jsonl .parquet .xlsx).

    ``engine="dask"`` classifies the same chunks on a Dask cluster (``scheduler`` address, or a
    local ``dask_workers``-process cluster): same reader, ids, rejects, parts and output.
    """
    start = time.perf_counter()
    input_path, output = Path(input_path), Path(output)
    if engine not in ("local", "dask"):
        raise UserError(f"unknown engine {engine!r}; choose local or dask")
    if workers is None:
        workers = os.cpu_count() or 1
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise UserError(f"--workers must be a whole number of at least 1, not {workers!r}")
    if isinstance(chunk_rows, bool) or not isinstance(chunk_rows, int) or chunk_rows < 1:
        raise UserError(f"--chunk-rows must be a whole number of at least 1, not {chunk_rows!r}")
    check_batch_paths(input_path, output)
    if not input_path.is_file():
        iter_complaint_chunks(input_path)  # the reader's one-line error (missing, a folder …)
        raise UserError(f"{input_path}: not a readable file")
    protect_inputs(input_path)
    parts_dir = side_paths(output)["parts"]
    ext = output.suffix.lower()
    manifest = {"input": str(input_path.resolve()), "input_size": input_path.stat().st_size,
                "input_sha256": sha256_file(input_path), "model": model_fingerprint(model), "version": __version__,
                "chunk_rows": chunk_rows, "text_column": text_column, "sheet": sheet, "mask": mask, "output_ext": ext}
    manifest_path = parts_dir / "manifest.json"
    resuming = resume and manifest_path.is_file()
    if resuming:
        try:
            old = json.loads(manifest_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            old = {}
        changed = [k for k in manifest if not isinstance(old, dict) or old.get(k) != manifest[k]]
        if changed:
            what = "input changed" if {"input_size", "input_sha256"} & set(changed) else "model changed" if "model" in changed else "options changed"
            raise UserError(f"{parts_dir}: the unfinished run used another input or options ({what}: {', '.join(changed)}); "
                            "rerun without --resume to start over")
        for stale in parts_dir.glob(".*.part"):  # temporary part files of the killed run
            stale.unlink(missing_ok=True)
    remove_stale_temps(output)  # the killed run's half-joined output
    report = LoadReport(str(input_path))
    summary = BatchSummary(output=str(output))
    bar = None
    chunks = iter_complaint_chunks(input_path, text_column, sheet, chunk_rows=chunk_rows, report=report)
    stats: dict[int, tuple[int, int, int]] = {}
    created = False
    try:
        first = next(chunks, None)  # reading errors (bad file, unknown column) come before any folder is made
        if first is None:
            raise UserError(f"{input_path}: no rows to classify")
        second = next(chunks, None)
        if second is None:  # one chunk: a worker pool would only add its start-up (0.2 s of a one-row run)
            workers = 1
        else:
            chunks = chain([second], chunks)
        if not resuming:
            if parts_dir.exists():
                shutil.rmtree(parts_dir)
            parts_dir.mkdir(parents=True)
            created = True
            with atomic_write(manifest_path, "w") as fh:
                json.dump(manifest, fh)
        done = {int(p.name[:7]) for p in parts_dir.glob(f"[0-9]*{_part_path(parts_dir, 0, ext).suffix}")}  # parts of an interrupted run
        if not quiet:
            from tqdm import tqdm

            bar = tqdm(total=_estimate_rows(input_path), unit="rows", desc="classify", file=sys.stderr,
                       dynamic_ncols=True, smoothing=0.1)
        col = first.attrs["text_column"]

        def record(result: tuple[int, int, int, int]) -> None:
            index, n, needs_review, high = result
            stats[index] = (n, needs_review, high)
            if bar is not None:
                bar.update(n)

        runner = _DaskRunner(scheduler, dask_workers, model, col, mask) if engine == "dask" else _LocalRunner(workers, model, col, mask)
        pending: set = set()
        try:
            with _PartJoiner(output, parts_dir) as joiner:  # the output grows as parts finish, in order
                for index, chunk in enumerate(chain([first], chunks)):
                    if index in done:
                        summary.resumed_rows += len(chunk)
                        if bar is not None:
                            bar.update(len(chunk))
                    else:
                        job = runner.submit(index, chunk, str(parts_dir), ext)
                        if isinstance(job, tuple):
                            record(job)
                        else:
                            pending.add(job)
                        while len(pending) > runner.capacity:  # bounded memory: one chunk per worker in flight, plus one queued
                            finished, pending = runner.wait(pending)
                            for fut in finished:
                                record(fut.result())
                    joiner.ready(done | stats.keys())
                while pending:
                    finished, pending = runner.wait(pending)
                    for fut in finished:
                        record(fut.result())
                joiner.ready(done | stats.keys())
        finally:
            runner.close()
    except UserError:
        if created:  # a run that could not start or hit a user error leaves nothing behind
            shutil.rmtree(parts_dir, ignore_errors=True)
        raise
    finally:
        if bar is not None:
            bar.close()

    for index in done - stats.keys():  # counts of resumed parts: written beside each part
        stats[index] = _part_counts(_part_path(parts_dir, index, ext))
    shutil.rmtree(parts_dir, ignore_errors=True)
    summary.rows_read = report.rows_read
    summary.rows_written = sum(v[0] for v in stats.values())
    summary.needs_review = sum(v[1] for v in stats.values())
    summary.high_risk = sum(v[2] for v in stats.values())
    summary.rows_rejected = report.rows_rejected
    summary.empty_texts = report.empty_texts
    summary.truncated = report.truncated
    summary.renamed = {**report.renamed, **make_room(first.head(0), classify_columns(model))[1]}
    summary.encoding = report.encoding
    rejects = write_rejects(report.rejects, output)
    summary.rejects_path = str(rejects) if rejects else None
    summary.seconds = time.perf_counter() - start
    if strict and summary.rows_rejected:
        raise UserError(f"{summary.rows_rejected} malformed rows (see {summary.rejects_path}); --strict makes this an error")
    return summary


def _estimate_rows(path: Path) -> int | None:
    """Rows to expect, for the progress bar's ETA (newlines for text files, metadata for Parquet)."""
    ext = path.suffix.lower()
    try:
        if ext == ".parquet":
            import pyarrow.parquet as pq

            return pq.ParquetFile(path).metadata.num_rows
        if ext in (".csv", ".tsv", ".txt", ".jsonl"):
            n = 0
            with open(path, "rb") as fh:
                for block in iter(lambda: fh.read(1 << 24), b""):
                    n += block.count(b"\n")
            return max(n - (1 if ext in (".csv", ".tsv") else 0), 0) or None
    except OSError:
        return None
    return None



# --- Dask ---------------------------------------------------------------------------------
def classify_file_dask(input_path: str | os.PathLike, output: str | os.PathLike, model, *,
                       text_column: str | None = None, scheduler: str | None = None, n_workers: int = 2,
                       mask: bool = True, quiet: bool = False, **options) -> BatchSummary:
    """:func:`classify_file` with ``engine="dask"``: on the cluster at ``scheduler``
    (``tcp://host:8786``), or a local ``n_workers``-process cluster on 127.0.0.1.

    The driver reads the input in chunks with the package's reader and workers classify them and
    write the part files (a real cluster needs a folder shared with the client beside the output);
    outputs and accounting are byte for byte those of the local engine. Workers need
    ``pip install feedback-mining[dask]``.
    """
    return classify_file(input_path, output, model, text_column=text_column, mask=mask, quiet=quiet, engine="dask",
                         scheduler=scheduler, dask_workers=n_workers, **options)
