"""The join poster: both QR codes carry the right links, in the workshop's language."""

from __future__ import annotations

import io
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from PIL import Image, ImageDraw

from bot.drawing.poster import (
    QR_SIZE,
    _qr,
    make_poster,
    telegram_link,
    title_lines,
    whatsapp_link,
    whatsapp_number,
)
from i18n import translator
from storage import Cohort

COHORT = Cohort(
    "c1",
    "CUSCO26",
    "Taller de Gobierno Abierto — Cusco, diciembre de 2026",
    "es",
    datetime(2026, 11, 1, tzinfo=UTC),
)


def test_the_links() -> None:
    assert telegram_link("@minga_bot", "CUSCO26") == "https://t.me/minga_bot?start=CUSCO26"
    es = whatsapp_link("whatsapp:+52 1 55 1234 5678", "CUSCO26", translator("es"))
    assert es == "https://wa.me/5215512345678?text=UNIRME%20CUSCO26"
    pt = whatsapp_link("+5511999990000", "CUSCO26", translator("pt"))
    assert pt == "https://wa.me/5511999990000?text=ENTRAR%20CUSCO26"


def test_the_poster_holds_both_codes_and_prints_on_a4() -> None:
    tg = telegram_link("minga_bot", COHORT.code)
    wa = whatsapp_link("+5215512345678", COHORT.code, translator("es"))
    poster = make_poster(COHORT, translator("es"), tg, wa)
    page = Image.open(io.BytesIO(poster.png)).convert("RGB")
    assert page.size == (1240, 1754)
    assert poster.pdf.startswith(b"%PDF")
    # Each QR code on the page is exactly the code of its link (Telegram left, WhatsApp right).
    for centre, link in ((310, tg), (930, wa)):
        box = (centre - QR_SIZE // 2, 640, centre + QR_SIZE // 2, 640 + QR_SIZE)
        assert page.crop(box).tobytes() == _qr(link).tobytes()


def test_minga_cohort_poster_writes_png_and_pdf(tmp_path: Path) -> None:
    db = str(tmp_path / "p.db")
    env = {"PATH": "/usr/bin:/bin", "MINGA_TELEGRAM_BOT_USERNAME": "minga_bot"}

    def minga(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "bot", *args, "--db", db],
            capture_output=True,
            text=True,
            timeout=60,
            env=env,
            check=False,
        )

    made = minga(
        "cohort",
        "create",
        "--name",
        "Taller",
        "--code",
        "LIMA1",
        "--locale",
        "pt",
        "--timezone",
        "America/Lima",
        "--starts",
        "2026-12-01",
    )
    assert made.returncode == 0, made.stderr
    assert minga("cohort", "poster", "LIMA1", "--out", str(tmp_path)).returncode == 0
    assert (tmp_path / "poster-LIMA1.png").stat().st_size > 10_000
    assert (tmp_path / "poster-LIMA1.pdf").read_bytes().startswith(b"%PDF")
    shown = minga("cohort", "show", "LIMA1")
    assert "language pt, 2026-12-01, America/Lima" in shown.stdout
    bad = minga("cohort", "create", "--name", "X", "--code", "X1", "--timezone", "Mars/Olympus")
    assert bad.returncode == 2
    assert "unknown time zone" in bad.stderr


def test_a_long_workshop_name_is_printed_whole() -> None:
    """Issue 18: the poster cut the name ("Taller ODS Local — UN DESA…")."""
    name = "Taller ODS Local — UN DESA y la Escuela de Gobierno, Cusco, diciembre de 2026"
    draw = ImageDraw.Draw(Image.new("RGB", (10, 10)))
    lines, face = title_lines(draw, name, 1240 - 120)
    assert " ".join(lines) == name
    assert all(draw.textlength(line, font=face) <= 1120 for line in lines)
    assert len(lines) <= 3
    short, big = title_lines(draw, "Taller ODS", 1120)
    assert (short, big.size) == (["Taller ODS"], 64)


def test_the_whatsapp_number_is_printed_for_those_who_cannot_scan() -> None:
    """Issue 18: without the number, someone who cannot scan had nowhere to send the words."""
    wa = whatsapp_link("whatsapp:+52 1 55 1234 5678", COHORT.code, translator("es"))
    assert whatsapp_number(wa) == "+5215512345678"
    drawn: list[str] = []
    original = ImageDraw.ImageDraw.text

    def spy(self: ImageDraw.ImageDraw, xy: object, text: str, *args: object, **kw: object) -> None:
        drawn.append(text)
        original(self, xy, text, *args, **kw)  # type: ignore[arg-type]

    ImageDraw.ImageDraw.text = spy  # type: ignore[method-assign,assignment]
    try:
        make_poster(COHORT, translator("es"), None, wa)
    finally:
        ImageDraw.ImageDraw.text = original  # type: ignore[method-assign]
    printed = " ".join(drawn)
    assert "En WhatsApp, envíe “UNIRME CUSCO26” al +5215512345678." in printed
    assert COHORT.name in printed
