"""Read the needed columns of a CSV or parquet file, refusing any file that is not what it seems.

Why so careful: pandas accepts a lot silently. Measured with pandas 3.0: a CSV row with too few
fields is padded with NaN (a sensitive value quietly becomes "missing"), a row with too many is
cut to size when `usecols` is given (and when every row has one more field than the header, the
first column silently becomes the index), and duplicate header names are renamed `a.1`. So every
CSV gets a structural pass first (pyarrow's tokenizer, which counts the fields of every row, at
about 15 ns a field), and a parquet file's schema is checked before its data is read. Every
failure of either library becomes an `AuditInputError` naming the file: nothing else escapes.

Missing values: in a group column only an empty CSV cell (or a parquet null) is missing; the
literal texts `NA`, `None` or `null` are groups like any other (pandas would read them as NaN and
merge, say, North America with the blanks). Group columns are read as text, as written.
"""

from __future__ import annotations

import codecs
import difflib
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from planner.audit.errors import AuditInputError

CSV_SUFFIXES = (".csv",)
PARQUET_SUFFIXES = (".parquet", ".pq")

FILE_NOT_FOUND = "predictions file {file} not found"
UNSUPPORTED_FORMAT = "cannot read {file}: unsupported file type {suffix!r}"
MISSING_COLUMN = "column {column!r} not found in {where}"
DUPLICATE_COLUMN = "column {column!r} appears more than once in {where}: at positions {first} and {second}"
NOT_CSV = "cannot read {file} as CSV: {error}"
EMPTY_FILE = "{file} is empty"
NUL_BYTES = "{file} holds NUL bytes in its first {size} KiB: it is not a CSV table"
SNIFF_BYTES = 64 * 1024
"""How much of a CSV is checked for NUL bytes before pandas reads it: a sparse or binary file of
gigabytes is refused at once (pandas spent 9 s and 1.2 GB on 2 GB of NUL before failing)."""
NOT_UTF8 = "{file} is not UTF-8 text: byte {byte} on line {line} cannot be decoded"
UNCLOSED_QUOTE = "{file} has an unclosed quote: the quoted field starting at row {row} never ends"
WRONG_FIELDS = "row {row} of {file} has {found} field(s) where the header has {expected}"
NOT_PARQUET = "cannot read {file} as parquet: {error}"
NESTED_COLUMN = "column {column!r} in {file} holds nested values ({type}), not plain values"

# pandas' default NA texts: kept for label, prediction, score and count columns, whose missing
# values are errors anyway; group columns treat only the empty cell as missing.
NA_TEXTS = (
    "", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND", "1.#QNAN",
    "<NA>", "N/A", "NA", "NULL", "NaN", "None", "n/a", "nan", "null",
)  # fmt: skip
_EOF_IN_STRING = re.compile(r"EOF inside string starting at row (\d+)")
_DECODE_CHUNK = 1 << 20


def where(file: str | None) -> str:
    """How a message names the input: the file, or "the predictions frame"."""
    return file if file is not None else "the predictions frame"


def check_columns(available: Sequence[Any], wanted: Sequence[str], file: str | None) -> None:
    """Raise for the first wanted column that is absent, suggesting close names (difflib)."""
    for column in wanted:
        if column in available:
            continue
        close = difflib.get_close_matches(column, list(map(str, available)), n=1, cutoff=0.6)
        hint = f"did you mean {close[0]!r}?" if close else "columns are: " + ", ".join(map(str, available))
        raise AuditInputError(
            MISSING_COLUMN.format(column=column, where=where(file)), file=file, column=column, hint=hint
        )


def check_unique(names: Sequence[Any], file: str | None) -> None:
    """Raise for the first column name that occurs twice, with both (1-based) positions.

    Empty header cells are skipped: pandas names them ``Unnamed: N``, so they cannot be asked for.
    """
    seen: dict[Any, int] = {}
    for position, name in enumerate(names, start=1):
        if name == "" or name is None:
            continue
        if name in seen:
            raise AuditInputError(
                DUPLICATE_COLUMN.format(column=name, where=where(file), first=seen[name], second=position),
                file=file,
                column=str(name),
                hint="rename one of them",
            )
        seen[name] = position


def read_table(path: str | Path, columns: Sequence[str], groups: Sequence[str] = ()) -> pd.DataFrame:
    """Read only `columns` from a CSV or parquet file, after checking the file's structure.

    Parameters
    ----------
    path : str or pathlib.Path
        A regular file ending in ``.csv``, ``.parquet`` or ``.pq``.
    columns : sequence of str
        The columns to read; each must exist once.
    groups : sequence of str
        Those of `columns` that are group columns: read as text, only empty cells missing.
    """
    path = Path(path)
    file = str(path)
    if not path.is_file():
        raise AuditInputError(FILE_NOT_FOUND.format(file=file), file=file)
    suffix = path.suffix.lower()
    if suffix in CSV_SUFFIXES:
        return _read_csv(path, file, list(columns), [c for c in columns if c in groups])
    if suffix in PARQUET_SUFFIXES:
        return _read_parquet(path, file, list(columns))
    raise AuditInputError(
        UNSUPPORTED_FORMAT.format(file=file, suffix=suffix), file=file, hint="use a .csv or .parquet file"
    )


def _read_csv(path: Path, file: str, columns: list[str], groups: list[str]) -> pd.DataFrame:
    with path.open("rb") as handle:
        if b"\0" in handle.read(SNIFF_BYTES):
            raise AuditInputError(NUL_BYTES.format(file=file, size=SNIFF_BYTES // 1024), file=file)
    with _csv_errors(path, file):
        raw = pd.read_csv(path, header=None, nrows=1, dtype=str, keep_default_na=False, encoding="utf-8")
        header = [str(name) for name in raw.iloc[0]] if len(raw) else []
        check_unique(header, file)
        available = list(pd.read_csv(path, nrows=0, encoding="utf-8").columns)
        check_columns(available, columns, file)
        frame = pd.read_csv(
            path,
            usecols=columns,
            dtype={name: str for name in groups},
            keep_default_na=False,
            na_values={name: ([""] if name in groups else list(NA_TEXTS)) for name in columns},
            encoding="utf-8",
        )
        _check_fields(path, file, header, columns[0])
    return frame


def _check_fields(path: Path, file: str, header: list[str], column: str) -> None:
    """Every row must have as many fields as the header (pyarrow counts them; pandas does not)."""
    import pyarrow as pa
    from pyarrow import csv

    parse = csv.ParseOptions(newlines_in_values=True)
    # One column converted, as text: the tokenizer still sees every field of every row.
    convert = csv.ConvertOptions(include_columns=[column], column_types={column: pa.string()}, check_utf8=False)
    try:
        csv.read_csv(path, parse_options=parse, convert_options=convert)
    except pa.ArrowInvalid:
        pass
    else:
        return
    # The fast (threaded) pass does not know row numbers: find the first bad row in order.
    bad: list[Any] = []

    def handler(row: Any) -> str:
        bad.append(row)
        return "error"

    try:
        csv.read_csv(
            path,
            read_options=csv.ReadOptions(use_threads=False),
            parse_options=csv.ParseOptions(newlines_in_values=True, invalid_row_handler=handler),
            convert_options=convert,
        )
    except pa.ArrowInvalid as exc:
        if not bad:
            raise AuditInputError(NOT_CSV.format(file=file, error=first_line(exc)), file=file) from None
    if bad:
        row = bad[0]
        number = "?" if row.number is None else row.number - 1  # pyarrow counts the header as row 1
        raise AuditInputError(
            WRONG_FIELDS.format(row=number, file=file, found=row.actual_columns, expected=row.expected_columns),
            file=file,
            hint="every row needs one value per header column; quote values that contain commas",
        )
    raise AuditInputError(NOT_CSV.format(file=file, error=f"the header has {len(header)} columns"), file=file)


@contextmanager
def _csv_errors(path: Path, file: str) -> Iterator[None]:
    """Turn what pandas (and pyarrow) raise on a broken CSV into an `AuditInputError`."""
    import pyarrow as pa

    try:
        yield
    except AuditInputError:
        raise
    except UnicodeDecodeError:
        raise _not_utf8(path, file) from None
    except pd.errors.EmptyDataError:
        raise AuditInputError(EMPTY_FILE.format(file=file), file=file) from None
    except pd.errors.ParserError as exc:
        found = _EOF_IN_STRING.search(str(exc))
        if found:
            raise AuditInputError(
                UNCLOSED_QUOTE.format(file=file, row=found.group(1)), file=file, hint="close the quote"
            ) from None
        raise AuditInputError(NOT_CSV.format(file=file, error=first_line(exc)), file=file) from None
    except (pa.ArrowException, ValueError, OSError, OverflowError) as exc:
        raise AuditInputError(NOT_CSV.format(file=file, error=first_line(exc)), file=file) from None


def first_line(exc: BaseException) -> str:
    """The first line of a library's error, with unprintable characters replaced by ``?``."""
    text = str(exc).strip().splitlines()
    line = text[0].strip() if text else ""
    return "".join(c if c.isprintable() else "?" for c in line) or type(exc).__name__


def _not_utf8(path: Path, file: str) -> AuditInputError:
    """The first byte that is not UTF-8, with its line (read again, in chunks: the error path only)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    line = 1
    with path.open("rb") as handle:
        while chunk := handle.read(_DECODE_CHUNK):
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                line += chunk.count(b"\n", 0, max(exc.start, 0))
                byte = chunk[exc.start : exc.start + 1] if 0 <= exc.start < len(chunk) else b""
                return AuditInputError(
                    NOT_UTF8.format(file=file, byte=f"0x{byte.hex() or '??'}", line=line),
                    file=file,
                    hint="save the file as UTF-8",
                )
            line += chunk.count(b"\n")
    return AuditInputError(
        NOT_UTF8.format(file=file, byte="at the end", line=line), file=file, hint="save the file as UTF-8"
    )


def parquet_schema(path: Path, file: str, columns: Sequence[str]) -> Any:
    """The schema of a parquet file whose `columns` exist once each and hold plain values."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        schema = pq.read_schema(path)
    except (pa.ArrowException, OSError, ValueError) as exc:
        raise AuditInputError(NOT_PARQUET.format(file=file, error=first_line(exc)), file=file) from None
    check_unique(schema.names, file)
    check_columns(schema.names, columns, file)
    for column in columns:
        kind = schema.field(column).type
        value_type = kind.value_type if pa.types.is_dictionary(kind) else kind
        if pa.types.is_nested(value_type):
            raise AuditInputError(
                NESTED_COLUMN.format(column=column, file=file, type=kind),
                file=file,
                column=column,
                hint="flatten it into a column of plain values",
            )
    return schema


def _read_parquet(path: Path, file: str, columns: list[str]) -> pd.DataFrame:
    import pyarrow as pa
    import pyarrow.parquet as pq

    parquet_schema(path, file, columns)
    try:
        table = pq.ParquetFile(path).read(columns=columns)
        # Integers with nulls stay integers (objects), so group 3 is "3" as DuckDB writes it, not "3.0".
        return table.to_pandas(integer_object_nulls=True)
    except (pa.ArrowException, OSError, ValueError, EOFError) as exc:
        raise AuditInputError(NOT_PARQUET.format(file=file, error=first_line(exc)), file=file) from None


def first_row(mask: np.ndarray) -> int:
    """1-based data row of the first True (row 1 is the first row after a CSV header)."""
    return int(np.flatnonzero(mask)[0]) + 1
