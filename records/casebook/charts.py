"""Questionnaire charts for the book, drawn as PNG with Pillow (WeasyPrint's own
dependency), so the PDF and the Word file show the same picture. The numbers are
always printed beside each bar and repeated in a table under the chart: a chart is
never the only way to read them.
"""

from __future__ import annotations

import io
import subprocess
from functools import lru_cache

from PIL import Image, ImageDraw, ImageFont

WIDTH = 1400
ROW = 46
LABEL_WIDTH = 520
PAD = 24
BAR_COLOUR = (0, 23, 193)  # the site's primary blue, 8.6:1 on white
TEXT = (26, 26, 26)
GRID = (200, 204, 210)


@lru_cache(maxsize=1)
def _font_path() -> str | None:
    """The Japanese font fontconfig picks for 'Noto Sans CJK JP' (what WeasyPrint uses)."""
    try:
        found = subprocess.run(
            ["fc-match", "-f", "%{file}", "Noto Sans CJK JP:lang=ja"],  # noqa: S607 - fontconfig's own tool
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return found or None


@lru_cache(maxsize=4)
def _font(size: int):
    path = _font_path()
    if path:
        try:
            return ImageFont.truetype(path, size)
        except OSError:
            pass
    return ImageFont.load_default(size)


def _fit(draw: ImageDraw.ImageDraw, text: str, font, width: int) -> str:
    if draw.textlength(text, font=font) <= width:
        return text
    while text and draw.textlength(text + "…", font=font) > width:
        text = text[:-1]
    return text + "…"


def bar_chart(title: str, rows: list[tuple[str, int]]) -> bytes:
    """A horizontal bar chart: one row per label, the count written at the bar's end."""
    title_font, label_font = _font(30), _font(26)
    height = PAD * 3 + 44 + ROW * max(len(rows), 1)
    image = Image.new("RGB", (WIDTH, height), "white")
    draw = ImageDraw.Draw(image)
    draw.text((PAD, PAD), _fit(draw, title, title_font, WIDTH - 2 * PAD), font=title_font, fill=TEXT)
    top = PAD * 2 + 44
    most = max((n for _label, n in rows), default=0) or 1
    plot = WIDTH - LABEL_WIDTH - PAD * 2 - 90
    draw.line([(LABEL_WIDTH, top - 6), (LABEL_WIDTH, top + ROW * len(rows))], fill=GRID, width=2)
    for index, (label, count) in enumerate(rows):
        y = top + index * ROW
        draw.text(
            (PAD, y + 6), _fit(draw, label, label_font, LABEL_WIDTH - PAD * 2), font=label_font, fill=TEXT
        )
        length = round(plot * count / most)
        if length:
            draw.rectangle(
                [(LABEL_WIDTH + 2, y + 8), (LABEL_WIDTH + 2 + length, y + ROW - 8)], fill=BAR_COLOUR
            )
        draw.text((LABEL_WIDTH + 12 + length, y + 6), str(count), font=label_font, fill=TEXT)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()
