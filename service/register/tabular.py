"""Stream the rows of a CSV or XLSX file without loading it into memory.

CSV files from officials' systems come in UTF-8 (with or without a BOM) or in
GB18030 (Excel on Chinese Windows saves "CSV" in the ANSI code page, a subset
of GB18030); the encoding is detected by decoding the file incrementally.
XLSX workbooks are read with openpyxl's read-only mode (one row at a time).
"""

from __future__ import annotations

import codecs
import csv
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

_CHUNK = 1 << 20


class FileFormatError(Exception):
    """The file cannot be read as a table of decisions (the message says why).

    `chinese` says the same for the console, without the file's name (the page shows the
    name the official uploaded, not the copy the server read).
    """

    def __init__(self, message: str, chinese: str | None = None):
        super().__init__(message)
        self.chinese = chinese or message
        # Set by import_file when the file broke off after some batches were stored.
        self.stored = None


@dataclass
class Table:
    """A file's header row and an iterator of (row number, values) for its data rows.

    Row numbers are those a spreadsheet shows: the header is row 1.
    """

    headers: list[str]
    rows: Iterator[tuple[int, list]]
    encoding: str | None = None


def detect_encoding(path: Path) -> str:
    """utf-8-sig, utf-8 or gb18030: the first of these that decodes the whole file."""
    with open(path, "rb") as handle:
        head = handle.read(3)
        if head == codecs.BOM_UTF8:
            return "utf-8-sig"
        handle.seek(0)
        decoder = codecs.getincrementaldecoder("utf-8")()
        try:
            while chunk := handle.read(_CHUNK):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return "gb18030"
    return "utf-8"


@contextmanager
def open_table(path: str | Path) -> Iterator[Table]:
    """Open a .csv or .xlsx file as a Table; the file is closed on leaving the block."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        with _open_xlsx(path) as table:
            yield table
    elif suffix in (".csv", ".txt"):
        with _open_csv(path) as table:
            yield table
    else:
        raise FileFormatError(f"{path.name}: unsupported file type {suffix or '(none)'}; "
                              "use .csv or .xlsx", "只支持 .csv 或 .xlsx 文件")


@contextmanager
def _open_csv(path: Path) -> Iterator[Table]:
    encoding = detect_encoding(path)
    with open(path, encoding=encoding, newline="") as handle:
        reader = csv.reader(handle)
        try:
            headers = next(reader)
        except StopIteration:
            raise FileFormatError(f"{path.name} is empty", "文件是空的") from None
        except csv.Error as exc:
            raise FileFormatError(f"{path.name}: not a readable CSV file ({exc})",
                                  "不是可读取的 CSV 文件，请另存为 CSV（逗号分隔）后重新上传"
                                  ) from None
        yield Table([h.strip() for h in headers], _numbered(reader, path), encoding)


def _numbered(rows, path: Path) -> Iterator[tuple[int, list]]:
    number = 1
    try:
        for values in rows:
            number += 1
            if any(v not in (None, "") for v in values):
                yield number, list(values)
    except csv.Error as exc:
        raise FileFormatError(f"{path.name}: CSV error in row {number + 1}: {exc}",
                              _csv_problem(number + 1, exc)) from None


def read_through(path: Path) -> None:
    """Read every row once, so a file that breaks off (FileFormatError) is refused whole.

    The importer commits in batches: a CSV error in row 5,000 would otherwise come after
    the first rows were published. The console reads an upload through first.
    """
    with open_table(Path(path)) as table:
        for _row in table.rows:
            pass


def _csv_problem(row: int, exc: csv.Error) -> str:
    """A CSV reader's error in Chinese, with the row it stopped at; the file is not imported."""
    if "field larger than field limit" in str(exc):
        return (f"第 {row} 行有单元格超过 {csv.field_size_limit()} 个字符（可能是引号未成对），"
                "整个文件未导入")
    return f"第 {row} 行无法按 CSV 读取（{exc}），整个文件未导入"


@contextmanager
def _open_xlsx(path: Path) -> Iterator[Table]:
    from zipfile import BadZipFile

    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, BadZipFile, OSError, KeyError, ValueError) as exc:
        raise FileFormatError(f"{path.name}: not a readable XLSX workbook ({exc})",
                              "不是可读取的 XLSX 工作簿（文件损坏，或并非 Excel 2007 及以后的格式）"
                              ) from None
    try:
        sheet = workbook.worksheets[0]
        rows = sheet.iter_rows(values_only=True)
        number, headers = 0, None
        for values in rows:
            number += 1
            if any(v not in (None, "") for v in values):
                headers = ["" if v is None else str(v).strip() for v in values]
                break
        if headers is None:
            raise FileFormatError(f"{path.name}: the first sheet is empty",
                                  "第一个工作表是空的（数据须放在第一个工作表）")
        yield Table(headers, _xlsx_rows(rows, number))
    finally:
        workbook.close()


def _xlsx_rows(rows, number: int) -> Iterator[tuple[int, list]]:
    for values in rows:
        number += 1
        if any(v not in (None, "") for v in values):
            yield number, list(values)
