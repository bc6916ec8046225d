"""The map page's app icons (``maps/static/icons/``): the character 驿 in white on the
page's red, drawn inside the middle 80 % so that a phone may crop them to any shape
("maskable"). Run ``python -m maps.icons`` (needs Pillow and a CJK font) to draw them
again; the PNG files are committed."""

from __future__ import annotations

from pathlib import Path

RED = "#c0392b"
SIZES = (192, 512)
FOLDER = Path(__file__).parent / "static" / "icons"
FONT = "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc"


def draw(size: int, font_path: str = FONT) -> object:
    """One square icon of ``size`` pixels."""
    from PIL import Image, ImageDraw, ImageFont

    image = Image.new("RGB", (size, size), RED)
    pen = ImageDraw.Draw(image)
    # The safe zone of a maskable icon is the circle of 40 % radius around the centre.
    pen.ellipse(
        [size * 0.14, size * 0.14, size * 0.86, size * 0.86],
        outline="white",
        width=max(2, size // 48),
    )
    font = ImageFont.truetype(font_path, int(size * 0.40))
    pen.text((size / 2, size / 2), "驿", font=font, fill="white", anchor="mm")
    return image


def main() -> None:
    """Write icon-192.png and icon-512.png."""
    FOLDER.mkdir(parents=True, exist_ok=True)
    for size in SIZES:
        draw(size).save(FOLDER / f"icon-{size}.png", optimize=True)  # type: ignore[attr-defined]


if __name__ == "__main__":
    main()
