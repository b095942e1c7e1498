"""Badge images: the achievement's picture (drawn with Pillow, one per curriculum code) and the baked badge, an
OB 3.0 PNG whose `iTXt` chunk `openbadgecredential` carries the signed credential, so the image alone is
the credential."""

from __future__ import annotations

import io
import json
from functools import lru_cache
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw, ImageFont, PngImagePlugin

SIZE = 400
BRAND = (11, 90, 122)
ACCENT = (138, 59, 0)
_FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"
BAKED_KEY = "openbadgecredential"  # the keyword Open Badges 3.0 "baking" names


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    if Path(_FONT).exists():
        return ImageFont.truetype(_FONT, size)
    return ImageFont.load_default(size=size)


@lru_cache(maxsize=64)
def achievement_png(curriculum_code: str) -> bytes:
    """A round seal with the curriculum code: the same picture for everyone who earned the achievement."""
    image = Image.new("RGBA", (SIZE, SIZE), (255, 255, 255, 0))
    draw = ImageDraw.Draw(image)
    draw.ellipse((8, 8, SIZE - 8, SIZE - 8), fill=BRAND)
    draw.ellipse((34, 34, SIZE - 34, SIZE - 34), outline=(255, 255, 255), width=5)
    draw.text((SIZE / 2, 130), "CMTP", font=_font(44), fill=(255, 255, 255), anchor="mm")
    code = curriculum_code[:12]
    draw.text((SIZE / 2, 205), code, font=_font(54 if len(code) <= 8 else 40), fill=(255, 255, 255), anchor="mm")
    draw.rectangle((110, 260, SIZE - 110, 268), fill=ACCENT)
    draw.text((SIZE / 2, 300), "COMPLETED", font=_font(26), fill=(255, 255, 255), anchor="mm")
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def baked_badge(curriculum_code: str, credential: dict[str, Any]) -> bytes:
    """The achievement image with the signed credential baked in (an uncompressed iTXt chunk)."""
    info = PngImagePlugin.PngInfo()
    info.add_itxt(BAKED_KEY, json.dumps(credential, ensure_ascii=False), zip=False)
    out = io.BytesIO()
    Image.open(io.BytesIO(achievement_png(curriculum_code))).save(out, format="PNG", pnginfo=info)
    return out.getvalue()


def unbake(png: bytes) -> dict[str, Any] | None:
    """The credential baked into a PNG, if any (what a badge wallet reads)."""
    image = Image.open(io.BytesIO(png))
    text = getattr(image, "text", {}).get(BAKED_KEY)
    return json.loads(text) if text else None
