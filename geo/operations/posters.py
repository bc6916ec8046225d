"""The station's own page and its printable QR poster (issue 15).

Each station has a page of its own (``/s/{id}``): what a worker's phone opens when they
scan the poster on the station's door. :func:`page_station` gives what that page shows.
A poster (:func:`poster`) is an A4 or A5 page drawn with Pillow: the kind, the name, the
services, the hours in words, a QR code (segno) to ``{public_url}/s/{id}`` and the line
"扫码签到 · 报告问题"; saved as PNG and PDF (Pillow writes both). The text needs a CJK font
(``fonts-noto-cjk``), found with fontconfig or at its known paths.
"""

from __future__ import annotations

import io
import shutil
import subprocess
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, BinaryIO, Literal
from urllib.parse import urlsplit

import psycopg
import segno
from PIL import Image, ImageDraw, ImageFont

from geo import clock, vocab
from geo.errors import Conflict, InvalidInput, NotFound
from geo.hours_words import in_words
from geo.stations import lookup
from geo.stations import sql as stations_sql

Size = Literal["a4", "a5"]
Format = Literal["pdf", "png", "both"]
#: Posters are drawn at this resolution (dots per inch): sharp on an office printer.
DPI = 150
#: Paper sizes in millimetres.
PAPER_MM: dict[str, tuple[float, float]] = {"a4": (210.0, 297.0), "a5": (148.0, 210.0)}
SCAN_LINE = "扫码签到 · 报告问题"
SCAN_LINE_EN = "Scan to check in · report a problem"
#: Where fonts-noto-cjk puts its fonts (Debian, Ubuntu), and the face of Simplified Chinese
#: in each collection.
KNOWN_FONTS: tuple[tuple[str, int], ...] = (
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc", 2),
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 2),
    ("/usr/share/fonts/noto-cjk/NotoSansCJK-Bold.ttc", 2),
    ("/usr/share/fonts/google-noto-cjk/NotoSansCJK-Bold.ttc", 2),
)
_RED = (200, 16, 46)
_INK = (20, 20, 20)
_GREY = (90, 90, 90)
_WHITE = (255, 255, 255)
_BLACK = (0, 0, 0)


# ----------------------------------------------------------------- the station's page


def page_station(conn: psycopg.Connection[Any], station_id: int) -> dict[str, Any]:
    """What the station's own page shows: the public fields (hours in words, navigation
    links) with ``status``, ``closed_on`` and ``checkin`` (whether it takes check-ins:
    public now). Temporarily closed stations are shown, said so; others are NotFound."""
    row = stations_sql.station_page(conn, station_id, clock.today())
    if row is None:
        raise NotFound(
            f"没有编号为 {station_id} 的开放驿站", f"no open station with id {station_id}"
        )
    tz = clock.zone().key
    out = lookup.public_station(row, crs="wgs84", when=clock.now(), tz=tz)
    status = vocab.STATUSES[row["status"]]
    out |= {
        "status": row["status"],
        "status_zh": status.zh,
        "status_en": status.en,
        "closed_on": row["closed_on"],
        "checkin": bool(row["public"]),
    }
    return out


# ----------------------------------------------------------------- base URL and font


def base_url(value: str | None) -> str:
    """The public address posters link to, without a trailing ``/``.

    Raises
    ------
    InvalidInput
        None given (set ``YIZHAN_PUBLIC_URL`` or ``--base-url``), not an http(s) address,
        or one only this machine reaches (localhost): a QR code to it is useless.
    """
    text = (value or "").strip().rstrip("/")
    if not text:
        raise InvalidInput(
            "二维码海报需要公开网址：请设置 YIZHAN_PUBLIC_URL 或使用 --base-url",
            "QR posters need the public address: set YIZHAN_PUBLIC_URL or give --base-url",
            details={"field": "public_url"},
        )
    parts = urlsplit(text)
    host = (parts.hostname or "").lower()
    if parts.scheme not in ("http", "https") or not host or parts.query or parts.fragment:
        raise InvalidInput(
            f"公开网址「{text}」无效：应为 https://主机名 或 https://主机名/路径",
            f"the public address '{text}' is not valid: use https://host or https://host/path",
            details={"field": "public_url"},
        )
    if host in ("localhost", "0.0.0.0", "::1") or host.startswith("127."):  # noqa: S104
        raise InvalidInput(
            f"公开网址「{text}」只有本机能打开，手机扫码无法访问",
            f"the public address '{text}' reaches only this machine: phones cannot open it",
            details={"field": "public_url"},
        )
    return text


def station_url(base: str, station_id: int) -> str:
    """The address a station's QR code holds: its own page."""
    return f"{base}/s/{station_id}"


def _fc_list() -> list[tuple[str, int, str]]:
    """Fonts fontconfig knows for Simplified Chinese: (file, face index, family)."""
    if shutil.which("fc-list") is None:
        return []
    try:
        out = subprocess.run(  # noqa: S603 - a fixed command, no user input
            ["fc-list", ":lang=zh-cn", "--format", "%{file}|%{index}|%{family}\\n"],  # noqa: S607
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    found = []
    for line in out.splitlines():
        parts = line.split("|")
        if len(parts) == 3 and parts[1].isdigit():
            found.append((parts[0], int(parts[1]), parts[2]))
    return found


@lru_cache(maxsize=1)
def find_font() -> tuple[str, int]:
    """A CJK font file and its face index: the known Noto CJK paths, else the best one
    fontconfig lists for Simplified Chinese (a Sans, Bold or SC face first).

    Raises
    ------
    Conflict
        No font that draws Chinese is installed (install ``fonts-noto-cjk``).
    """
    for path, index in KNOWN_FONTS:
        if Path(path).is_file():
            return path, index

    def rank(f: tuple[str, int, str]) -> tuple[bool, bool, bool]:
        return ("SC" not in f[2], "Sans" not in f[2], "Bold" not in f[0])

    listed = sorted((f for f in _fc_list() if Path(f[0]).is_file()), key=rank)
    if listed:
        return listed[0][0], listed[0][1]
    raise Conflict(
        "找不到中文字体，无法制作海报：请安装 fonts-noto-cjk（make setup 会安装）",
        "no font that draws Chinese is installed: install fonts-noto-cjk (make setup does)",
    )


@lru_cache(maxsize=32)
def _font(size: int) -> ImageFont.FreeTypeFont:
    path, index = find_font()
    return ImageFont.truetype(path, size, index=index)


# ----------------------------------------------------------------- drawing


@dataclass(frozen=True)
class Layout:
    """Where a poster's parts go, in pixels: the page and the QR code's box (its quiet
    zone included) and module size."""

    width: int
    height: int
    qr_left: int
    qr_top: int
    module: int
    modules: int  # the symbol's side in modules, quiet zone included

    @property
    def qr_side(self) -> int:
        """The QR code's side in pixels, quiet zone included."""
        return self.module * self.modules


def page_pixels(size: Size) -> tuple[int, int]:
    """The page's size in pixels at :data:`DPI`."""
    w, h = PAPER_MM[size]
    return round(w / 25.4 * DPI), round(h / 25.4 * DPI)


def qr_code(url: str) -> segno.QRCode:
    """The QR code of ``url`` (error correction M: a poster gets scratched)."""
    return segno.make(url, error="m", micro=False, boost_error=False)


def layout(size: Size, qr: segno.QRCode) -> Layout:
    """The poster's layout: the QR code centred, about half the page's width."""
    width, height = page_pixels(size)
    modules = len(qr.matrix) + 2 * 4  # the quiet zone: 4 modules each side
    module = max(1, int(width * 0.5) // modules)
    side = module * modules
    return Layout(width, height, (width - side) // 2, int(height * 0.38), module, modules)


def _wrap(
    draw: ImageDraw.ImageDraw, text: str, font: ImageFont.FreeTypeFont, width: int
) -> list[str]:
    """``text`` in lines no wider than ``width`` (character by character: Chinese has no
    spaces; a Latin word may break)."""
    lines: list[str] = []
    line = ""
    for ch in text:
        if draw.textlength(line + ch, font=font) > width and line:
            lines.append(line)
            line = ch.lstrip()
        else:
            line += ch
    if line:
        lines.append(line)
    return lines


def _text(  # noqa: PLR0913 - where, what and how
    draw: ImageDraw.ImageDraw,
    y: int,
    text: str,
    size: int,
    width: int,
    fill: tuple[int, int, int] = _INK,
    max_lines: int = 3,
) -> int:
    """Draw ``text`` centred from ``y`` in lines of at most ``width``; returns the y after."""
    font = _font(size)
    lines = _wrap(draw, text, font, width)
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        lines[-1] = lines[-1][:-1] + "…"
    left = (draw.im.size[0] - width) / 2
    for line in lines:
        w = draw.textlength(line, font=font)
        draw.text((left + (width - w) / 2, y), line, font=font, fill=fill)
        y += int(size * 1.3)
    return y


def _station_lines(station: dict[str, Any]) -> tuple[str, str, str]:
    """The kind, the services and the hours of a station as the poster says them."""
    kind = vocab.KINDS[station["kind"]]
    services = [vocab.SERVICES[s].zh for s in station["services"] or [] if s in vocab.SERVICES]
    words = in_words(station["opening_hours"], clock.today())
    if words is not None and words.week_zh:
        hours = words.week_zh
    else:
        hours = station["opening_hours"] or "以现场公示为准"
    return (
        f"{kind.zh} {kind.en}",
        "服务：" + ("、".join(services) if services else "—"),
        "开放时间：" + hours,
    )


def poster(station: dict[str, Any], base: str, size: Size = "a4") -> Image.Image:
    """The poster of one station (a public station row) linking to its page under
    ``base`` (see :func:`base_url`)."""
    url = station_url(base, int(station["id"]))
    qr = qr_code(url)
    box = layout(size, qr)
    image = Image.new("RGB", (box.width, box.height), _WHITE)
    draw = ImageDraw.Draw(image)
    unit = box.width / 100  # sizes in hundredths of the page's width
    margin = int(6 * unit)
    text_w = box.width - 2 * margin
    kind, services, hours = _station_lines(station)

    band = int(11 * unit)
    draw.rectangle((0, 0, box.width, band), fill=_RED)
    _text(draw, int(3 * unit), kind, int(4.4 * unit), text_w, fill=_WHITE, max_lines=1)
    y = _text(draw, band + int(5 * unit), station["name"], int(7 * unit), text_w, max_lines=2)
    y = _text(draw, y + int(2 * unit), services, int(3.4 * unit), text_w, fill=_GREY)
    _text(draw, y + int(1 * unit), hours, int(3.4 * unit), text_w, fill=_GREY)

    for row, bits in enumerate(qr.matrix):
        for col, dark in enumerate(bits):
            if dark:
                x0 = box.qr_left + (col + 4) * box.module
                y0 = box.qr_top + (row + 4) * box.module
                draw.rectangle((x0, y0, x0 + box.module - 1, y0 + box.module - 1), fill=_BLACK)

    y = box.qr_top + box.qr_side + int(2 * unit)
    y = _text(draw, y, SCAN_LINE, int(6 * unit), text_w, fill=_RED, max_lines=1)
    y = _text(draw, y, SCAN_LINE_EN, int(3.2 * unit), text_w, fill=_GREY, max_lines=1)
    _text(draw, y + int(1 * unit), url, int(2.6 * unit), text_w, fill=_GREY, max_lines=2)
    return image


def png_bytes(image: Image.Image) -> bytes:
    """The poster as PNG."""
    out = io.BytesIO()
    image.save(out, format="PNG", dpi=(DPI, DPI))
    return out.getvalue()


def write_pdf(out: BinaryIO, images: Iterable[Image.Image]) -> int:
    """Write the posters to ``out`` as one PDF, a page each at its paper size (from
    :data:`DPI`), one image at a time: a city's hundreds of posters never sit in memory
    together (Pillow's own multi-page PDF keeps them all). Each page is its image,
    deflated losslessly (a QR code keeps its sharp edges). Returns the number of pages.
    """
    offsets: list[int] = []
    start = out.tell()

    def obj(body: bytes, stream: bytes | None = None) -> int:
        offsets.append(out.tell() - start)
        number = len(offsets)
        out.write(f"{number} 0 obj\n".encode() + body)
        if stream is not None:
            out.write(b"\nstream\n" + stream + b"\nendstream")
        out.write(b"\nendobj\n")
        return number

    out.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    obj(b"<< /Type /Catalog /Pages 2 0 R >>")
    offsets.append(-1)  # object 2, the page tree, is written last (it lists the pages)
    kids: list[int] = []
    for image in images:
        rgb = image.convert("RGB")
        w, h = rgb.size
        pw, ph = w * 72 / DPI, h * 72 / DPI
        data = zlib.compress(rgb.tobytes(), 6)
        img = obj(
            f"<< /Type /XObject /Subtype /Image /Width {w} /Height {h} /ColorSpace /DeviceRGB"
            f" /BitsPerComponent 8 /Filter /FlateDecode /Length {len(data)} >>".encode(),
            data,
        )
        draw = f"q {pw:.2f} 0 0 {ph:.2f} 0 0 cm /Im Do Q".encode()
        content = obj(f"<< /Length {len(draw)} >>".encode(), draw)
        page = (
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {pw:.2f} {ph:.2f}]"
            f" /Resources << /XObject << /Im {img} 0 R >> >> /Contents {content} 0 R >>"
        )
        kids.append(obj(page.encode()))
    if not kids:
        raise InvalidInput("没有可制作海报的站点", "no station to make a poster of")
    refs = " ".join(f"{k} 0 R" for k in kids)
    offsets[1] = out.tell() - start
    out.write(f"2 0 obj\n<< /Type /Pages /Count {len(kids)} /Kids [{refs}] >>\nendobj\n".encode())
    xref = out.tell() - start
    out.write(f"xref\n0 {len(offsets) + 1}\n0000000000 65535 f \n".encode())
    out.write(b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets))
    out.write(
        f"trailer\n<< /Size {len(offsets) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    )
    return len(kids)


def pdf_bytes(images: Iterable[Image.Image]) -> bytes:
    """The posters as one PDF (see :func:`write_pdf`)."""
    out = io.BytesIO()
    write_pdf(out, images)
    return out.getvalue()


# ----------------------------------------------------------------- which stations


def _kind_stations(conn: psycopg.Connection[Any], kind: str) -> Iterator[dict[str, Any]]:
    where = stations_sql.StationFilter(kind=kind)
    offset = 0
    while True:
        rows, _ = stations_sql.stations_page(conn, where, limit=500, offset=offset)
        yield from rows
        if len(rows) < 500:
            return
        offset += 500


def poster_stations(
    conn: psycopg.Connection[Any], kind: str | None = None, station_id: int | None = None
) -> list[dict[str, Any]]:
    """The stations to make posters of: one (its page must be shown) or every public
    station of a kind.

    Raises
    ------
    InvalidInput
        Neither a kind nor a station, or an unknown kind.
    NotFound
        The station's page is not shown (not public, not temporarily closed).
    """
    if station_id is not None:
        return [page_station(conn, station_id)]
    if kind not in vocab.KINDS:
        raise InvalidInput(
            f"站点类型「{kind}」无效，可选：{'、'.join(vocab.KINDS)}",
            f"kind '{kind}' is not one of {', '.join(vocab.KINDS)}",
            details={"field": "kind"},
        )
    return list(_kind_stations(conn, kind))


def write_posters(
    stations: list[dict[str, Any]],
    base: str,
    out_dir: Path,
    *,
    fmt: Format = "both",
    size: Size = "a4",
    name: str = "posters",
) -> list[Path]:
    """Write a PNG per station (``poster-{id}.png``) and/or one PDF of them all
    (``{name}.pdf``, a page per station) into ``out_dir``; returns the files written."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []

    def drawn() -> Iterator[Image.Image]:
        # One poster at a time: drawn, its PNG written, handed to the PDF, forgotten.
        for s in stations:
            image = poster(s, base, size)
            if fmt in ("png", "both"):
                path = out_dir / f"poster-{s['id']}.png"
                path.write_bytes(png_bytes(image))
                written.append(path)
            yield image

    if fmt == "png":
        for _ in drawn():
            pass
    elif stations:
        path = out_dir / f"{name}.pdf"
        with path.open("wb") as out:
            write_pdf(out, drawn())
        written.append(path)
    return written
