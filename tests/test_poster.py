"""The join poster: both QR codes carry the right links, in the workshop's language."""

from __future__ import annotations

import io
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from PIL import Image

from bot.drawing.poster import QR_SIZE, _qr, make_poster, telegram_link, whatsapp_link
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
