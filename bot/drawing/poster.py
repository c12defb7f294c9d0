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
    """Break a title into at most two lines that fit; shorten the second if need be."""
    words, lines = text.split(), [""]
    for word in words:
        candidate = f"{lines[-1]} {word}".strip()
        if draw.textlength(candidate, font=face) <= width or not lines[-1]:
            lines[-1] = candidate
        elif len(lines) < 2:
            lines.append(word)
        else:
            lines[-1] = candidate
    return [fit_text(draw, line, face, width) for line in lines]


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
    title, big, body = font(64, bold=True), font(120, bold=True), font(36)
    draw.text(
        (width // 2, 130), fit_text(draw, cohort.name, title, width - 120), "#1f7a5c", title, "mm"
    )
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
        words = tr.gettext("JOIN {code}").format(code=cohort.code)
        hint = tr.gettext("On WhatsApp, send “{words}”.").format(words=words)
        draw.text((width // 2, 1400), hint, "#222222", body, "mm")
    png, pdf = io.BytesIO(), io.BytesIO()
    page.save(png, format="PNG", dpi=(DPI, DPI))
    page.save(pdf, format="PDF", resolution=DPI)
    return Poster(png.getvalue(), pdf.getvalue())
