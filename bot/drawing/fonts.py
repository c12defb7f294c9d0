"""DejaVu Sans for every chart: matplotlib ships it, and it has every accent of es and pt."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from PIL import ImageDraw, ImageFont


@cache
def font(size: float, bold: bool = False) -> ImageFont.FreeTypeFont:
    """Return DejaVu Sans (shipped inside matplotlib's data) at `size` pixels."""
    import matplotlib  # only for the path of its bundled fonts

    name = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
    return ImageFont.truetype(str(Path(matplotlib.get_data_path(), "fonts", "ttf", name)), size)


def fit_text(draw: ImageDraw.ImageDraw, text: str, font: ImageFont.FreeTypeFont, width: int) -> str:
    """Shorten `text` with an ellipsis until it fits `width` pixels."""
    if draw.textlength(text, font=font) <= width:
        return text
    while text and draw.textlength(text + "…", font=font) > width:
        text = text[:-1]
    return text.rstrip() + "…"
