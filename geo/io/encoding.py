"""The text encoding of a CSV or GeoJSON file, found and checked without loading it.

Chinese station lists come in UTF-8 (with or without BOM) or GBK/GB18030. Big5 and
Shift-JIS bytes also decode "successfully" as GB18030, into nonsense names, so a GB18030
reading is accepted only when it looks like Chinese text; anything else asks for
``--encoding``. Every check streams the file through an incremental decoder in 1 MB
pieces, so a large file costs time, never its size in memory.
"""

from __future__ import annotations

import codecs
from collections.abc import Iterator
from pathlib import Path

import charset_normalizer

from geo.errors import InvalidFile, InvalidInput

GB_ENCODINGS = ("gb18030", "gbk", "gb2312", "hz")  # a detector's names for GBK-like text
RARE_SHARE_MAX = 0.3  # of non-ASCII characters outside GB2312: more is not GBK text
RARE_SHARE_WITH_OTHER_GUESS = 0.05  # ... when a detector guesses another encoding
DETECTOR_SAMPLE = 1 << 20  # bytes from the start of the file the detector looks at
_CHUNK = 1 << 20


def bad_file(path: Path, zh: str, en: str) -> InvalidFile:
    """An InvalidFile naming the file."""
    return InvalidFile(f"无法读取文件 {path.name}：{zh}", f"cannot read {path.name}: {en}")


def codec_name(name: str) -> str:
    """The codec of a name a person gave (``utf-8`` also takes a BOM)."""
    try:
        codec = codecs.lookup(name.strip()).name
    except LookupError:
        raise InvalidInput(
            f"未知的编码「{name}」，可用如 utf-8、gbk、big5、shift_jis",
            f"unknown encoding '{name}': use e.g. utf-8, gbk, big5 or shift_jis",
        ) from None
    return "utf-8-sig" if codec == "utf-8" else codec


class _BadByte(Exception):
    def __init__(self, row: int, offset: int) -> None:
        self.row, self.offset = row, offset


def _decoded(path: Path, codec: str) -> Iterator[str]:
    """The file's text in pieces, decoded strictly; :class:`_BadByte` names the row and
    byte offset of the first byte that is not ``codec``."""
    decoder = codecs.getincrementaldecoder(codec)(errors="strict")
    fed = 0  # bytes given to the decoder so far
    newlines = 0  # newlines among them
    with path.open("rb") as f:
        while True:
            chunk = f.read(_CHUNK)
            pending = decoder.getstate()[0]
            try:
                yield decoder.decode(chunk, final=not chunk)
            except UnicodeDecodeError as exc:
                data = pending + chunk
                at = len(data) - len(exc.object) + exc.start  # a BOM is not in exc.object
                before = newlines - pending.count(b"\n") + data[:at].count(b"\n")
                raise _BadByte(before + 1, fed - len(pending) + at) from None
            if not chunk:
                return
            fed += len(chunk)
            newlines += chunk.count(b"\n")


def _is_valid(path: Path, codec: str) -> bool:
    try:
        for _ in _decoded(path, codec):
            pass
    except _BadByte:
        return False
    return True


def _sample(path: Path) -> bytes:
    """The start of the file for the detector, cut at a line end."""
    with path.open("rb") as f:
        data = f.read(DETECTOR_SAMPLE + 1)
    if len(data) <= DETECTOR_SAMPLE:
        return data
    end = data.rfind(b"\n", 0, DETECTOR_SAMPLE)
    return data[: end + 1] if end > 0 else data[:DETECTOR_SAMPLE]


def _plausible_gb(path: Path) -> bool:
    """Whether the file, read as GB18030, looks like real Chinese text.

    Big5 and Shift-JIS bytes decode into rare characters outside the common GB2312 set:
    too many of those, or a detector sure of another encoding, means the file is in
    some other encoding.
    """
    wide = rare = 0
    try:
        for text in _decoded(path, "gb18030"):
            ascii_chars = len(text.encode("ascii", "ignore"))
            common = len(text.encode("gb2312", "ignore").decode("gb2312"))
            wide += len(text) - ascii_chars
            rare += len(text) - common
    except _BadByte:
        return False
    if not wide:
        return True
    share = rare / wide
    if share > RARE_SHARE_MAX:
        return False
    best = charset_normalizer.from_bytes(_sample(path)).best()
    guess = best.encoding if best is not None else "gb18030"
    return guess in GB_ENCODINGS or share < RARE_SHARE_WITH_OTHER_GUESS


def file_codec(path: Path, encoding: str | None = None) -> str:
    """The codec to read ``path`` with, after checking the whole file decodes with it.

    With ``encoding`` the file must be in it (the first bad byte is named by row and
    offset). Without it: UTF-8 (with or without BOM), else GB18030 when the result looks
    like Chinese text; anything else asks for ``--encoding``.

    Raises
    ------
    InvalidFile
        When the file is not in the encoding given, or in none of those detected.
    InvalidInput
        When ``encoding`` is not a known codec.
    """
    if encoding is not None:
        codec = codec_name(encoding)
        try:
            for _ in _decoded(path, codec):
                pass
        except _BadByte as bad:
            raise bad_file(
                path,
                f"第 {bad.row} 行（字节 {bad.offset}）不是有效的 {encoding} 编码",
                f"row {bad.row} (byte {bad.offset}) is not valid {encoding}",
            ) from None
        return codec
    if _is_valid(path, "utf-8-sig"):
        return "utf-8-sig"
    if _plausible_gb(path):
        return "gb18030"
    raise bad_file(
        path,
        "编码不是 UTF-8 或 GBK（可能是 Big5、Shift-JIS 等），"
        "请用 --encoding 指定编码（如 --encoding big5）或另存为 UTF-8 CSV",
        "the encoding is neither UTF-8 nor GBK (it may be Big5, Shift-JIS ...): give it "
        "with --encoding (e.g. --encoding big5, or the encoding field of the upload) "
        "or save the file as UTF-8 CSV",
    )


def read_text(path: Path, encoding: str | None = None) -> str:
    """The whole file as text in its checked encoding (GeoJSON, which is parsed whole)."""
    return path.read_bytes().decode(file_codec(path, encoding))
