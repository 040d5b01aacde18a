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
import json
import os
import shutil
import sys
import time
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from .data.columns import find_id_column
from .data.read import LoadReport, iter_complaint_chunks
from .data.write import (
    atomic_write,
    mask_frame,
    neutralized,
    write_rejects,
    write_table,
)
from .errors import UserError
from .parallel import pool_context
from .pipeline import classify_frame
from .text.normalize import MAX_TEXT_CHARS

__all__ = ["BatchSummary", "classify_file", "classify_file_dask", "OUTPUT_EXTENSIONS"]

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
    extra: dict = field(default_factory=dict)

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
    if mask:
        out = mask_frame(out, [c for c in chunk.columns if c not in ("complaint_id", "empty_text")])
    return out


_TEXT_OUTPUTS = (".csv", ".tsv", ".jsonl")


def _part_path(parts_dir: str | Path, index: int, output_ext: str) -> Path:
    """Part ``index``: already in the output's format for text outputs (the driver only appends bytes)."""
    return Path(parts_dir) / f"{index:07d}{output_ext if output_ext in _TEXT_OUTPUTS else '.parquet'}"


def _counts(out: pd.DataFrame) -> tuple[int, int, int]:
    """Rows, needs_review and high-escalation counts of classified rows."""
    return len(out), int(out["needs_review"].sum()), int((out["escalation_risk"] == "high").sum())


def _write_part(out: pd.DataFrame, path: Path, index: int, user_columns: list[str]) -> tuple[int, int, int]:
    """Write one classified chunk as a part file (the first CSV/TSV part carries the header), and
    its counts beside it (read back on ``--resume``). ``user_columns`` (the input's columns and
    ``complaint_id``) are the ones a spreadsheet formula could hide in; the classifier's own
    columns cannot hold one."""
    counts = _counts(out)
    with atomic_write(path.with_suffix(".counts"), "w") as fh:
        json.dump(counts, fh)
    with atomic_write(path, "wb") as fh:
        if path.suffix in (".csv", ".tsv"):  # Arrow's CSV writer: several times faster than DataFrame.to_csv
            import pyarrow as pa
            import pyarrow.csv as pa_csv

            frame = neutralized(out, user_columns)
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
    return (index, *_write_part(out, _part_path(parts_dir, index, output_ext), index, list(chunk.columns)))


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


def classify_file(input_path: str | os.PathLike, output: str | os.PathLike, model, *,
                  text_column: str | None = None, sheet: str | None = None, workers: int | None = None,
                  chunk_rows: int = 5_000, resume: bool = False, quiet: bool = False, mask: bool = True,
                  strict: bool = False) -> BatchSummary:
    """Classify a complaint file of any size into ``output`` (.csv .tsv .jsonl .parquet .xlsx)."""
    start = time.perf_counter()
    output = Path(output)
    if output.suffix.lower() not in OUTPUT_EXTENSIONS:
        raise UserError(f"{output}: unsupported output type {output.suffix or '(none)'}; use {' '.join(OUTPUT_EXTENSIONS)}")
    if Path(input_path).resolve() == output.resolve():
        raise UserError(f"{output}: the output would overwrite the input; choose another file name")
    workers = workers or os.cpu_count() or 1
    if workers < 1:
        raise UserError("--workers must be at least 1")
    parts_dir = Path(str(output) + ".parts")
    manifest_path = parts_dir / "manifest.json"
    manifest = {"input": str(Path(input_path).resolve()), "input_size": Path(input_path).stat().st_size if Path(input_path).exists() else 0,
                "chunk_rows": chunk_rows, "text_column": text_column, "mask": mask, "output_ext": output.suffix.lower()}
    if resume and manifest_path.exists():
        old = json.loads(manifest_path.read_text(encoding="utf-8"))
        if {k: old.get(k) for k in manifest} != manifest:
            raise UserError(f"{parts_dir}: the unfinished run used another input or options; rerun without --resume to start over")
    else:
        if parts_dir.exists():
            shutil.rmtree(parts_dir)
    parts_dir.mkdir(parents=True, exist_ok=True)
    manifest_path.write_text(json.dumps(manifest), encoding="utf-8")
    ext = output.suffix.lower()
    part_suffix = _part_path(parts_dir, 0, ext).suffix
    done = {int(p.name[:7]) for p in parts_dir.glob(f"[0-9]*{part_suffix}")}  # parts of an interrupted run

    report = LoadReport(str(input_path))
    summary = BatchSummary(output=str(output))
    bar = None
    chunks = iter_complaint_chunks(input_path, text_column, sheet, chunk_rows=chunk_rows, report=report)
    stats: dict[int, tuple[int, int, int]] = {}
    try:
        first = next(chunks, None)
        if first is None:
            raise UserError(f"{input_path}: no rows to classify")
        if not quiet:
            from tqdm import tqdm

            bar = tqdm(total=_estimate_rows(Path(input_path)), unit="rows", desc="classify", file=sys.stderr,
                       dynamic_ncols=True, smoothing=0.1)
        col = first.attrs["text_column"]
        _init(model, col, mask)

        def gen():
            yield first
            yield from chunks

        def record(result: tuple[int, int, int, int]) -> None:
            index, n, needs_review, high = result
            stats[index] = (n, needs_review, high)
            if bar is not None:
                bar.update(n)

        pending: set = set()
        if workers > 1:
            gc.freeze()  # forked workers then share the loaded model's pages instead of copying them (no collect: 0.1 s)
        pool = ProcessPoolExecutor(workers, mp_context=pool_context(), initializer=_init,
                                   initargs=(model, col, mask)) if workers > 1 else None
        try:
            with _PartJoiner(output, parts_dir) as joiner:  # the output grows as parts finish, in order
                for index, chunk in enumerate(gen()):
                    if index in done:
                        summary.resumed_rows += len(chunk)
                        if bar is not None:
                            bar.update(len(chunk))
                    elif pool is None:
                        record(_classify_part(index, chunk, str(parts_dir), ext))
                    else:
                        pending.add(pool.submit(_classify_part, index, chunk, str(parts_dir), ext))
                        while len(pending) > workers:  # bounded memory: one chunk per worker in flight, plus one queued
                            finished, pending = wait(pending, return_when=FIRST_COMPLETED)
                            for fut in finished:
                                record(fut.result())
                    joiner.ready(done | stats.keys())
                for fut in pending:
                    record(fut.result())
                joiner.ready(done | stats.keys())
        finally:
            if pool is not None:
                pool.shutdown(wait=True, cancel_futures=True)
                gc.unfreeze()
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


# --- Dask -----------------------------------------------------------------------------------
def _dask_part(part: pd.DataFrame, model, col: str, id_col: str | None, mask: bool, offset: int,
               parts_dir: str, index: int, output_ext: str) -> tuple[int, int, int]:
    """Classify one Dask partition exactly as the local engine classifies a chunk; write it as a part."""
    part = part.reset_index(drop=True).fillna("").astype(str)
    part[col] = part[col].str.slice(0, MAX_TEXT_CHARS)
    rows = [f"row-{offset + i + 2}" for i in range(len(part))]  # line numbers: 1-based, after the header
    if id_col is not None:
        ids = part[id_col].str.strip()
        part["complaint_id"] = ids.where(ids.ne(""), pd.Series(rows, index=part.index))
    else:
        part["complaint_id"] = rows
    part["empty_text"] = part[col].str.strip().eq("").to_numpy()
    out = classify_chunk(part, model, col, mask)
    return _write_part(out, _part_path(parts_dir, index, output_ext), index, list(part.columns))


def classify_file_dask(input_path: str | os.PathLike, output: str | os.PathLike, model, *,
                       text_column: str | None = None, scheduler: str | None = None, n_workers: int = 2,
                       blocksize: str = "8MB", mask: bool = True, quiet: bool = False) -> BatchSummary:
    """Classify with Dask: on the cluster at ``scheduler`` (``tcp://host:8786``), or a local 2-worker cluster on 127.0.0.1.

    Input and output are CSV or Parquet; results are identical to :func:`classify_file`. Workers
    write Parquet parts beside the output (a real cluster needs a shared filesystem there), which
    the driver then joins in order. Workers need ``pip install feedback-mining[dask]``.
    """
    try:
        import dask
        import dask.dataframe as dd
        from dask.distributed import Client, LocalCluster
    except ImportError:
        raise UserError("the Dask engine needs dask[dataframe] and distributed: pip install 'feedback-mining[dask]'") from None

    start = time.perf_counter()
    input_path, output = Path(input_path), Path(output)
    if input_path.suffix.lower() not in (".csv", ".parquet") or output.suffix.lower() not in (".csv", ".parquet"):
        raise UserError("the Dask engine reads and writes .csv or .parquet")
    report = LoadReport(str(input_path))
    probe = next(iter_complaint_chunks(input_path, text_column, chunk_rows=1000, report=report))  # validates the file
    col = probe.attrs["text_column"]
    id_col = find_id_column([str(c) for c in probe.columns if c not in ("complaint_id", "empty_text")])
    parts_dir = Path(str(output) + ".parts")
    shutil.rmtree(parts_dir, ignore_errors=True)
    parts_dir.mkdir(parents=True)
    cluster = None
    client = Client(scheduler) if scheduler else Client(cluster := LocalCluster(
        n_workers=n_workers, threads_per_worker=1, host="127.0.0.1", dashboard_address=None, processes=True))
    try:
        if input_path.suffix.lower() == ".csv":
            enc = {"utf-8": "utf-8-sig"}.get(report.encoding, report.encoding)
            ddf = dd.read_csv(str(input_path), dtype=str, keep_default_na=False, blocksize=blocksize, encoding=enc)
        else:
            ddf = dd.read_parquet(str(input_path))
        lengths = ddf.map_partitions(len).compute().tolist()
        offsets = [sum(lengths[:i]) for i in range(len(lengths))]
        model_future = client.scatter(model, broadcast=True)
        tasks = [dask.delayed(_dask_part)(p, model_future, col, id_col, mask, off, str(parts_dir), i, output.suffix.lower())
                 for i, (p, off) in enumerate(zip(ddf.to_delayed(), offsets))]
        counts = dask.compute(*tasks)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
    with _PartJoiner(output, parts_dir) as joiner:
        joiner.ready(range(len(tasks)))
    shutil.rmtree(parts_dir, ignore_errors=True)
    summary = BatchSummary(output=str(output), rows_read=sum(c[0] for c in counts), rows_written=sum(c[0] for c in counts),
                           needs_review=sum(c[1] for c in counts), high_risk=sum(c[2] for c in counts))
    summary.seconds = time.perf_counter() - start
    return summary
