"""Photos sent with problem reports and inspections: decoded, checked and re-encoded.

A photo from a phone carries what its camera wrote: the place (GPS), the time, the
device, sometimes a thumbnail of the uncropped picture. None of it is kept. The image is
decoded with Pillow within a pixel limit (a small file can unpack into gigabytes), turned
upright by its orientation tag, scaled down to a longest side and written again as a
plain JPEG with no metadata at all. Only that copy is stored (``geo/db/photos.py``).
"""

from __future__ import annotations

import hashlib
import io
import warnings
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

from geo.errors import BodyTooLarge, InvalidFile
from geo.settings import OperationsSettings

# The formats people's phones and cameras send; anything else is refused, even when
# Pillow could read it (fewer decoders, fewer surprises).
ACCEPTED_FORMATS = frozenset({"JPEG", "PNG", "WEBP", "GIF", "MPO"})


@dataclass(frozen=True)
class CleanPhoto:
    """A re-encoded photo: JPEG bytes with no metadata, its size and its SHA-256."""

    data: bytes
    width: int
    height: int
    sha256: str
    content_type: str = "image/jpeg"


def _not_an_image() -> InvalidFile:
    return InvalidFile(
        "照片无法识别：请上传 JPEG、PNG 或 WebP 格式的图片",
        "The photo could not be read: send a JPEG, PNG or WebP image",
    )


def clean_photo(data: bytes, settings: OperationsSettings | None = None) -> CleanPhoto:
    """Decode ``data`` as an image and return a metadata-free JPEG copy.

    Raises :class:`BodyTooLarge` for a file or picture over the limits and
    :class:`InvalidFile` for anything that is not an image of an accepted format.
    """
    s = settings or OperationsSettings()
    if len(data) > s.photo_max_bytes:
        raise BodyTooLarge(
            f"照片过大：{len(data)} 字节，上限 {s.photo_max_bytes} 字节",
            f"The photo is too large: {len(data)} bytes, the limit is {s.photo_max_bytes}",
            details={"bytes": len(data), "limit": s.photo_max_bytes},
        )
    if not data:
        raise _not_an_image()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:
                fmt = probe.format
                width, height = probe.size
            if fmt not in ACCEPTED_FORMATS:
                raise _not_an_image()
            if width * height > s.photo_max_pixels:
                raise BodyTooLarge(
                    f"照片像素过多：{width}×{height}，上限 {s.photo_max_pixels} 像素",
                    f"The photo has too many pixels: {width}×{height}, "
                    f"the limit is {s.photo_max_pixels}",
                    details={"width": width, "height": height, "limit": s.photo_max_pixels},
                )
            with Image.open(io.BytesIO(data)) as img:
                img.load()
                upright = ImageOps.exif_transpose(img)
                picture = upright.convert("RGB")
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _not_an_image() from None
    except (OSError, ValueError, SyntaxError):  # truncated or corrupt image data
        raise _not_an_image() from None
    picture.thumbnail((s.photo_max_side, s.photo_max_side), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    # A fresh image holds no info dict; save with none, so no EXIF, XMP, ICC or comment.
    clean = Image.new("RGB", picture.size)
    clean.paste(picture)
    clean.save(out, format="JPEG", quality=s.photo_quality, optimize=True)
    blob = out.getvalue()
    return CleanPhoto(
        data=blob,
        width=clean.width,
        height=clean.height,
        sha256=hashlib.sha256(blob).hexdigest(),
    )
