"""Data in and out: column vocabularies, readers (every file format, Dask partitions, the labelled
corpus) and writers (atomic, masked, formula-safe).

>>> from feedback_mining.data import load_complaints, write_table
>>> df = load_complaints("投诉导出.csv")
>>> write_table(df, "out/copy.xlsx")
"""
from __future__ import annotations

from .columns import (
           ID_COLUMN_NAMES,
           SUPPORTED_EXTENSIONS,
           TEXT_COLUMN_NAMES,
           find_id_column,
           find_text_column,
)
from .encoding import detect_encoding
from .read import LoadReport, iter_complaint_chunks, load_complaints
from .write import (
           atomic_write,
           mask_frame,
           neutralize_formula,
           neutralized,
           write_rejects,
           write_table,
)

__all__ = ["ID_COLUMN_NAMES", "SUPPORTED_EXTENSIONS", "TEXT_COLUMN_NAMES", "find_id_column", "find_text_column",
           "detect_encoding", "LoadReport", "iter_complaint_chunks", "load_complaints", "atomic_write", "mask_frame",
           "neutralize_formula", "neutralized", "write_rejects", "write_table"]
