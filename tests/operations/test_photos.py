"""The photo pipeline: only images, re-encoded without metadata, within the limits."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from geo.errors import BodyTooLarge, InvalidFile
from geo.photos import clean_photo
from geo.settings import OperationsSettings


def _jpeg_with_gps(size=(400, 300), orientation: int | None = None) -> bytes:
    img = Image.new("RGB", size, (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0110] = "Phone 12"  # Model
    gps = {1: "N", 2: (22.0, 32.0, 10.0), 3: "E", 4: (114.0, 3.0, 20.0)}
    exif[0x8825] = gps  # GPSInfo
    if orientation:
        exif[0x0112] = orientation
    out = io.BytesIO()
    img.save(out, format="JPEG", exif=exif.tobytes(), comment=b"secret note")
    return out.getvalue()


def test_metadata_is_stripped_and_the_copy_is_a_plain_jpeg():
    raw = _jpeg_with_gps()
    assert b"PhoneMaker" in raw
    photo = clean_photo(raw)
    assert photo.content_type == "image/jpeg"
    assert b"PhoneMaker" not in photo.data and b"secret note" not in photo.data
    with Image.open(io.BytesIO(photo.data)) as img:
        assert img.format == "JPEG"
        assert not img.getexif()
        assert "exif" not in img.info and "comment" not in img.info
        assert "icc_profile" not in img.info
        assert img.size == (400, 300)
    assert len(photo.sha256) == 64


def test_orientation_is_applied_before_the_tag_is_dropped():
    photo = clean_photo(_jpeg_with_gps((400, 300), orientation=6))  # rotate 90°
    assert (photo.width, photo.height) == (300, 400)


def test_large_pictures_are_scaled_down_to_the_longest_side():
    photo = clean_photo(_jpeg_with_gps((3000, 1500)), OperationsSettings(photo_max_side=800))
    assert (photo.width, photo.height) == (800, 400)


def test_png_with_transparency_is_accepted():
    out = io.BytesIO()
    Image.new("RGBA", (50, 40), (0, 0, 0, 0)).save(out, format="PNG")
    photo = clean_photo(out.getvalue())
    assert (photo.width, photo.height) == (50, 40)


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"not an image at all",
        b"%PDF-1.4\n1 0 obj<<>>endobj\n",
        b"<svg xmlns='http://www.w3.org/2000/svg'/>",
        _jpeg_with_gps()[:200],  # truncated
    ],
)
def test_non_images_are_refused_with_a_clear_message(data):
    with pytest.raises(InvalidFile) as err:
        clean_photo(data)
    assert "JPEG" in err.value.zh and "JPEG" in err.value.en


def test_other_image_formats_are_refused():
    out = io.BytesIO()
    Image.new("RGB", (20, 20)).save(out, format="BMP")
    with pytest.raises(InvalidFile):
        clean_photo(out.getvalue())


def test_too_many_bytes_and_too_many_pixels_are_refused():
    raw = _jpeg_with_gps((400, 300))
    with pytest.raises(BodyTooLarge):
        clean_photo(raw, OperationsSettings(photo_max_bytes=len(raw) - 1))
    with pytest.raises(BodyTooLarge) as err:
        clean_photo(raw, OperationsSettings(photo_max_pixels=400 * 300 - 1))
    assert err.value.details["width"] == 400


def test_a_decompression_bomb_is_refused_before_decoding():
    # A small PNG declaring a huge canvas: refused on its header, never decoded.
    out = io.BytesIO()
    Image.new("1", (20000, 20000)).save(out, format="PNG", optimize=True)
    data = out.getvalue()
    assert len(data) < 200_000
    with pytest.raises((BodyTooLarge, InvalidFile)):
        clean_photo(data)
