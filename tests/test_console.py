"""The console channel saves charts as PNG files, as it saves documents (issue 17)."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path

import pytest
from PIL import Image

from bot.channels.console import image_name, render
from bot.cli.chat import run_chat
from bot.drawing.charts import scores_chart
from storage import Outbound, ParticipantKey, open_store
from tests.workshop import CODE, seed_workshop


def test_a_chart_is_saved_next_to_the_documents(tmp_path: Path) -> None:
    png = scores_chart("Promedios", ["Colaborativa"], [77.5])
    shown = render(Outbound("Cambio de mentalidad: promedios", image_png=png), tmp_path)
    name = image_name("Cambio de mentalidad: promedios", png)
    assert name.startswith("minga-cambio-de-mentalidad-promedios-")
    assert f"saved as {tmp_path / name}" in shown
    assert (tmp_path / name).read_bytes() == png
    assert "bytes]" not in shown
    # The same chart again keeps its file; another one gets its own.
    assert image_name("Cambio de mentalidad: promedios", png) == name
    assert image_name("Cambio de mentalidad: promedios", png + b"x") != name
    assert image_name("¿?", png).startswith("minga-chart-")
    # Without a folder (the tests' transcripts) only the size is shown, as before.
    assert "[image: " in render(Outbound("x", image_png=png))


async def test_results_in_minga_chat_write_the_chart_to_the_working_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path}/chat.db"
    now = datetime.now(UTC)
    store = await open_store(url, lambda: now)
    try:
        await seed_workshop(store, now)
    finally:
        await store.close()
    monkeypatch.chdir(tmp_path)
    out = io.StringIO()
    lines = ["1", "sí", "Fac", "Cusco", "Perú", "3", f"/results mindsets {CODE}", ""]
    await run_chat(
        url,
        "fac",
        facilitators=frozenset({ParticipantKey("console", "fac")}),
        stdin=io.StringIO("\n".join(lines)),
        stdout=out,
    )
    assert "12 personas terminaron" in out.getvalue()
    (saved,) = _charts(tmp_path)
    assert f"saved as {saved}" in out.getvalue()
    assert Image.open(saved).format == "PNG"


def _charts(folder: Path) -> list[Path]:
    return sorted(folder.glob("minga-*.png"))
