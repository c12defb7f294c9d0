"""The join poster: the workshop's name and code with QR codes for Telegram and WhatsApp.

Printed on A4 (PNG and PDF at 150 dpi) in the workshop's language. Scanning the Telegram code
opens the bot with the code (`t.me/<bot>?start=CODE`); the WhatsApp one opens a chat with the
number and "UNIRME CODE" (in the workshop's language) typed in, ready to send.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from urllib.parse import quote

import qrcode
from PIL import Image, ImageDraw
from PIL.ImageFont import FreeTypeFont

from bot.drawing.fonts import fit_text, font
from i18n import Translator
from storage import Cohort

DPI = 150
A4 = (1240, 1754)  # pixels at 150 dpi
QR_SIZE = 470


@dataclass(frozen=True, slots=True)
class Poster:
    """The same poster as PNG (for screens and chats) and as PDF (for printing)."""

    png: bytes
    pdf: bytes


def telegram_link(bot_username: str, code: str) -> str:
    """Return the deep link that opens the bot and joins the workshop in one tap."""
    return f"https://t.me/{bot_username.lstrip('@')}?start={quote(code)}"


def whatsapp_link(number: str, code: str, tr: Translator) -> str:
    """Return the click-to-chat link with the join words typed in, in the reader's language."""
    digits = "".join(ch for ch in number.removeprefix("whatsapp:") if ch.isdigit())
    text = tr.gettext("JOIN {code}").format(code=code)
    return f"https://wa.me/{digits}?text={quote(text)}"


def _wrap(draw: ImageDraw.ImageDraw, text: str, face: FreeTypeFont, width: int) -> list[str]:
    """Break text into lines that fit `width`, between words (a word too long stays whole)."""
    lines = [""]
    for word in text.split():
        candidate = f"{lines[-1]} {word}".strip()
        if draw.textlength(candidate, font=face) <= width or not lines[-1]:
            lines[-1] = candidate
        else:
            lines.append(word)
    return lines


# The title's sizes, largest first, with the lines each may take: a long workshop name gets
# smaller letters and more lines rather than losing its end ("Taller ODS Local — UN DESA…").
_TITLE_SIZES = ((64, 2), (52, 2), (44, 3), (36, 3))


def title_lines(draw: ImageDraw.ImageDraw, name: str, width: int) -> tuple[list[str], FreeTypeFont]:
    """Lay the workshop's name out whole, in the largest size whose lines fit."""
    for size, most in _TITLE_SIZES:
        face = font(size, bold=True)
        lines = _wrap(draw, name, face, width)
        if len(lines) <= most and all(draw.textlength(line, font=face) <= width for line in lines):
            return lines, face
    # Only a name of several hundred letters gets here: its third line is shortened.
    lines = _wrap(draw, name, face, width)[:most]
    return [fit_text(draw, line, face, width) for line in lines], face


def whatsapp_number(link: str) -> str:
    """Return the number a wa.me link opens a chat with, as people type it ("+5215512345678")."""
    return "+" + link.split("wa.me/", 1)[-1].split("?", 1)[0]


def _centred(
    draw: ImageDraw.ImageDraw, lines: list[str], face: FreeTypeFont, middle: int, colour: str
) -> None:
    """Draw lines centred on the page, the block's middle at height `middle`."""
    step = int(face.size * 1.25)
    top = middle - step * (len(lines) - 1) // 2
    for n, line in enumerate(lines):
        draw.text((A4[0] // 2, top + n * step), line, colour, face, "mm")


def _qr(link: str) -> Image.Image:
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=2)
    code.add_data(link)
    code.make(fit=True)
    image = code.make_image(fill_color="black", back_color="white").get_image()
    return image.convert("RGB").resize((QR_SIZE, QR_SIZE), Image.Resampling.NEAREST)


def make_poster(
    cohort: Cohort, tr: Translator, telegram: str | None, whatsapp: str | None
) -> Poster:
    """Draw the poster; `telegram` and `whatsapp` are the links (at least one)."""
    if telegram is None and whatsapp is None:
        raise ValueError("a poster needs the Telegram link, the WhatsApp link or both")
    page = Image.new("RGB", A4, "white")
    draw = ImageDraw.Draw(page)
    width = A4[0]
    big, body = font(120, bold=True), font(36)
    lines, title = title_lines(draw, cohort.name, width - 120)
    _centred(draw, lines, title, 130, "#1f7a5c")
    draw.text((width // 2, 260), tr.gettext("Join from your phone"), "#222222", body, "mm")
    draw.text((width // 2, 400), cohort.code, "#222222", big, "mm")
    draw.text((width // 2, 510), tr.gettext("workshop code"), "#666666", body, "mm")
    codes = [
        (label, link)
        for label, link in (("Telegram", telegram), ("WhatsApp", whatsapp))
        if link is not None
    ]
    slot = width // len(codes)
    for index, (label, link) in enumerate(codes):
        centre = slot * index + slot // 2
        page.paste(_qr(link), (centre - QR_SIZE // 2, 640))
        draw.text((centre, 640 + QR_SIZE + 50), label, "#222222", font(48, bold=True), "mm")
    draw.text(
        (width // 2, 1330),
        tr.gettext("Scan a code with your phone's camera."),
        "#222222",
        body,
        "mm",
    )
    if whatsapp is not None:
        # For whoever cannot scan: the words to send and the number to send them to.
        words = tr.gettext("JOIN {code}").format(code=cohort.code)
        hint = tr.gettext("On WhatsApp, send “{words}” to {number}.").format(
            words=words, number=whatsapp_number(whatsapp)
        )
        _centred(draw, _wrap(draw, hint, body, width - 120), body, 1420, "#222222")
    png, pdf = io.BytesIO(), io.BytesIO()
    page.save(png, format="PNG", dpi=(DPI, DPI))
    page.save(pdf, format="PDF", resolution=DPI)
    return Poster(png.getvalue(), pdf.getvalue())
