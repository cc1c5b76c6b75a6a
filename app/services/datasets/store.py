"""Validated dataset rows as typed numpy columns, stored as one zlib-compressed npz blob per version.

Why npz: it is numpy's own archive (a zip of .npy arrays), so a 1M-row version loads straight into the
arrays the engines use, compresses well (text columns are stored once per distinct value plus int32 codes),
needs no extra dependency and never unpickles anything (np.load with allow_pickle=False). The blob lives in
the database (dataset_versions.data), so backups, PostgreSQL deployments and bundles keep it.

Per column, by type:
- str / choice: `<col>.values` (sorted distinct texts, numpy unicode) and `<col>.codes` (int32, -1 = empty);
- int: `<col>` int64, plus `<col>.null` (bool) when some cells were empty;
- float: `<col>` float64, NaN = empty;
- bool: `<col>` int8, -1 = empty;
- date / datetime: `<col>` int64 seconds since 1970-01-01 UTC, NULL_TIME = empty.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import numpy as np

from app.services.datasets.kinds import KINDS

FORMAT = "npz-columns-v1"
NULL_TIME = np.iinfo(np.int64).min


@dataclass(frozen=True, eq=False)
class Frame:
    """A dataset version's rows as named numpy arrays (see the module docstring for the layout)."""

    kind: str
    rows: int
    arrays: dict[str, np.ndarray]

    def has(self, column: str) -> bool:
        """True when the column was in the upload (optional columns may be absent)."""
        return column in self.arrays or f"{column}.codes" in self.arrays

    def codes(self, column: str) -> tuple[np.ndarray, np.ndarray]:
        """A text column as (int32 codes, distinct values); codes are -1 for empty cells."""
        if f"{column}.codes" not in self.arrays:
            return np.full(self.rows, -1, np.int32), np.zeros(0, dtype=str)
        return self.arrays[f"{column}.codes"], self.arrays[f"{column}.values"]

    def text(self, column: str) -> np.ndarray:
        """A text column as a numpy unicode array ("" for empty cells)."""
        codes, values = self.codes(column)
        table = np.append(values, "") if len(values) else np.array([""])
        return table[codes]  # code -1 picks the appended ""

    def ints(self, column: str, empty: int = 0) -> np.ndarray:
        """An int column with empty cells as `empty` (absent columns are all `empty`)."""
        if column not in self.arrays:
            return np.full(self.rows, empty, np.int64)
        values = self.arrays[column]
        null = self.arrays.get(f"{column}.null")
        return values if null is None else np.where(null, empty, values)

    def nulls(self, column: str) -> np.ndarray:
        """Boolean mask of the empty cells of any column."""
        spec = KINDS[self.kind].column(column)
        if not self.has(column):
            return np.ones(self.rows, bool)
        if spec.type in ("str", "choice"):
            return self.arrays[f"{column}.codes"] < 0
        values = self.arrays[column]
        if spec.type == "int":
            return self.arrays.get(f"{column}.null", np.zeros(self.rows, bool))
        if spec.type == "float":
            return np.isnan(values)
        if spec.type == "bool":
            return values < 0
        return values == NULL_TIME

    def floats(self, column: str) -> np.ndarray:
        """A float column (NaN = empty)."""
        return self.arrays[column] if column in self.arrays else np.full(self.rows, np.nan)

    def bools(self, column: str, empty: bool = False) -> np.ndarray:
        """A bool column with empty cells as `empty`."""
        if column not in self.arrays:
            return np.full(self.rows, empty)
        values = self.arrays[column]
        return np.where(values < 0, empty, values == 1)

    def times(self, column: str) -> np.ndarray:
        """A date/datetime column as int64 seconds (NULL_TIME = empty)."""
        return self.arrays[column] if column in self.arrays else np.full(self.rows, NULL_TIME, np.int64)


def encode(frame: Frame) -> bytes:
    """The frame as compressed npz bytes."""
    buffer = io.BytesIO()
    np.savez_compressed(buffer, __rows__=np.array([frame.rows], np.int64), **frame.arrays)
    return buffer.getvalue()


def decode(kind: str, data: bytes) -> Frame:
    """Compressed npz bytes back to a frame (no pickles are ever loaded)."""
    with np.load(io.BytesIO(data), allow_pickle=False) as archive:
        arrays = {name: archive[name] for name in archive.files}
    rows = int(arrays.pop("__rows__")[0])
    return Frame(kind, rows, arrays)

