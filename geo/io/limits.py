"""How much an imported file may hold: unpacked bytes, rows and columns.

A file well within the upload limit can still expand enormously: an XLSX of 0.8 MB held
237 MB of sheet XML (3 million rows) and drove the server to 5 GB. The checks here run
before any parsing where they can (a plain file's size; an XLSX's zip directory, the
sizes its members declare, then the sizes they really expand to, read and thrown away
without keeping anything) and while the rows stream otherwise (rows, columns, line
lengths). The first excess stops the read with :class:`~geo.errors.ImportTooLarge`,
which names the limit and the setting that raises it.
"""

from __future__ import annotations

import struct
import zipfile
from dataclasses import dataclass
from pathlib import Path

from geo.errors import ImportTooLarge, InvalidFile
from geo.settings import ImportSettings, get_settings

#: Columns a row may have: the old Excel limit, and ten times what a station list needs.
MAX_COLUMNS = 256
#: Characters in one physical line of a CSV (far beyond 256 fields of normal text).
MAX_LINE_CHARS = 1_000_000
#: Members of an XLSX zip: a workbook has a dozen; a zip of a million empty members
#: would cost hundreds of MB just to list.
MAX_ZIP_MEMBERS = 10_000
_CHUNK = 1 << 20
_EOCD = b"PK\x05\x06"
_EOCD_SIZE = 22

BYTES_SETTING = "YIZHAN_IMPORT_MAX_DECOMPRESSED_BYTES"
ROWS_SETTING = "YIZHAN_IMPORT_MAX_ROWS"


@dataclass(frozen=True)
class ReadLimits:
    """The limits one read is held to.

    Attributes
    ----------
    max_bytes
        Bytes the file may hold once unpacked (``YIZHAN_IMPORT_MAX_DECOMPRESSED_BYTES``).
    max_rows
        Rows below the header, blank ones included, or GeoJSON features
        (``YIZHAN_IMPORT_MAX_ROWS``).
    max_columns
        Columns of a row, or distinct GeoJSON property names.
    """

    max_bytes: int = 100_000_000
    max_rows: int = 100_000
    max_columns: int = MAX_COLUMNS

    @classmethod
    def from_settings(cls, settings: ImportSettings | None = None) -> ReadLimits:
        """The limits of the ``imports`` settings group (the process's when None)."""
        s = settings or get_settings().imports
        return cls(max_bytes=s.import_max_decompressed_bytes, max_rows=s.import_max_rows)


def too_many_bytes(
    path: Path, size: int, limit: int, what: tuple[str, str], note: tuple[str, str] = ("", "")
) -> ImportTooLarge:
    """The error for a file that holds, or unpacks to, more than ``limit`` bytes;
    ``what`` and ``note`` say it in Chinese and English."""
    return ImportTooLarge(
        f"文件 {path.name} {what[0]} {size:,} 字节{note[0]}，超过 {limit:,} 字节的上限；"
        f"请拆分文件，或调高 {BYTES_SETTING}",
        f"{path.name} {what[1]} {size:,} bytes{note[1]}, more than the limit of {limit:,} "
        f"bytes; split the file or raise {BYTES_SETTING}",
        details={"limit": limit, "setting": BYTES_SETTING, "found": size},
    )


def too_many_rows(path: Path, limit: int) -> ImportTooLarge:
    """The error for a file with more than ``limit`` rows (found while streaming)."""
    return ImportTooLarge(
        f"文件 {path.name} 超过 {limit:,} 行的上限；请拆分文件，或调高 {ROWS_SETTING}",
        f"{path.name} has more than the limit of {limit:,} rows; split the file or raise "
        f"{ROWS_SETTING}",
        details={"limit": limit, "setting": ROWS_SETTING},
    )


def too_many_columns(path: Path, row: int, found: int, limit: int) -> ImportTooLarge:
    """The error for a row (or GeoJSON properties) wider than ``limit`` columns."""
    return ImportTooLarge(
        f"文件 {path.name} 第 {row} 行有 {found:,} 列，超过 {limit} 列的上限",
        f"{path.name}: row {row} has {found:,} columns, more than the limit of {limit}",
        details={"limit": limit, "row": row, "found": found},
    )


def check_file_size(path: Path, limits: ReadLimits) -> None:
    """Refuse a plain (CSV, GeoJSON) file larger than ``limits.max_bytes`` before reading."""
    size = path.stat().st_size
    if size > limits.max_bytes:
        raise too_many_bytes(path, size, limits.max_bytes, ("大小为", "holds"))


def _bad_zip(path: Path, zh: str, en: str) -> InvalidFile:
    return InvalidFile(
        f"无法读取文件 {path.name}：不是有效的 Excel 文件（{zh}）",
        f"cannot read {path.name}: not a valid Excel workbook ({en})",
    )


def _zip_members(path: Path) -> int | None:
    """Members the zip's end record declares (None when there is no end record), read
    before :mod:`zipfile` lists them all."""
    size = path.stat().st_size
    with path.open("rb") as f:
        f.seek(max(0, size - (_EOCD_SIZE + 0xFFFF)))
        tail = f.read()
    at = tail.rfind(_EOCD)
    if at < 0 or len(tail) - at < _EOCD_SIZE:
        return None
    return int(struct.unpack("<H", tail[at + 10 : at + 12])[0])


def check_xlsx(path: Path, limits: ReadLimits) -> None:
    """Refuse an XLSX that unpacks to more than ``limits.max_bytes``, before parsing it.

    The zip's member count comes first, then the sizes its members declare, then the
    sizes they really expand to: each member is decompressed in 1 MB pieces and thrown
    away, and reading stops as soon as the total passes the limit (a member that expands
    beyond what it declares is a damaged file).

    Raises
    ------
    ImportTooLarge
        Naming the member, the size and ``YIZHAN_IMPORT_MAX_DECOMPRESSED_BYTES``.
    InvalidFile
        When the file is not a zip, or a member is damaged.
    """
    members = _zip_members(path)
    if members is not None and (members > MAX_ZIP_MEMBERS or members == 0xFFFF):
        raise ImportTooLarge(
            f"文件 {path.name} 含有 {members:,} 个压缩成员，超过 {MAX_ZIP_MEMBERS:,} 个的上限",
            f"{path.name} holds {members:,} zip members, more than the limit of "
            f"{MAX_ZIP_MEMBERS:,}",
            details={"limit": MAX_ZIP_MEMBERS, "found": members},
        )
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
            declared = sum(i.file_size for i in infos)
            if declared > limits.max_bytes:
                big = max(infos, key=lambda i: i.file_size)
                raise too_many_bytes(
                    path,
                    declared,
                    limits.max_bytes,
                    ("解压后为", "unpacks to"),
                    (
                        f"（其中 {big.filename} 声明 {big.file_size:,} 字节）",
                        f" ({big.filename} alone declares {big.file_size:,})",
                    ),
                )
            _expand_all(path, archive, infos, limits.max_bytes)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, EOFError) as exc:
        raise _bad_zip(path, str(exc)[:200], str(exc)[:200]) from None


def _expand_all(
    path: Path, archive: zipfile.ZipFile, infos: list[zipfile.ZipInfo], limit: int
) -> None:
    total = 0
    for info in infos:
        expanded = 0
        with archive.open(info) as member:
            while chunk := member.read(_CHUNK):
                expanded += len(chunk)
                total += len(chunk)
                if total > limit:
                    raise too_many_bytes(
                        path,
                        total,
                        limit,
                        ("解压后至少为", "unpacks to at least"),
                        (f"（读到 {info.filename} 时）", f" (reading {info.filename})"),
                    )
                if expanded > info.file_size:
                    raise _bad_zip(
                        path,
                        f"{info.filename} 解压后大于其声明的 {info.file_size:,} 字节",
                        f"{info.filename} expands beyond the {info.file_size:,} bytes it declares",
                    )
