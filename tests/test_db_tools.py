"""`minga backup`, `minga db copy` (SQLite to PostgreSQL, mid-conversation) and /healthz."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from dataclasses import replace
from datetime import date
from pathlib import Path

import httpx
import pytest

from bot.cli.main import main
from bot.config import Settings
from bot.participants.retention import apply_retention
from bot.web.app import create_app
from storage import ParticipantKey
from storage.base import migration_scripts
from tests.fakes.telegram_api import serve_asgi
from tests.support import CHANNEL, FakeClock, Harness, harness


async def _half_way(db: Path, clock: FakeClock) -> None:
    """Ana onboarded and two answers into her action plan; Bea opted out."""
    async with harness(db, clock) as h:
        await h.create_cohort()
        ana = h.person("ana")
        await ana.onboard("ODS2026")
        await ana.send("Mi plan de acción")
        await ana.send("Ventanilla única")
        assert "¿Qué área" in await ana.send("ods 16")
        bea = h.person("bea")
        await bea.onboard(name="Bea")
        await bea.send("/stop")


def test_backup_copies_a_live_sqlite_database(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "live.db"

    asyncio.run(_half_way(db, FakeClock()))
    copy = tmp_path / "copy.db"
    assert main(["backup", "--db", str(db), str(copy)]) == 0
    assert main(["backup", "--db", str(db), str(copy)]) == 1  # never over an existing file
    assert main(["cohort", "show", "--db", str(copy), "ODS2026"]) == 0
    assert "1 members" in capsys.readouterr().out
    assert main(["backup", "--db", "postgresql://x@127.0.0.1/none", str(tmp_path / "p")]) == 2
    assert "pg_dump" in capsys.readouterr().err


@pytest.mark.postgres
async def test_db_copy_moves_a_workshop_to_postgres_mid_conversation(
    tmp_path: Path, postgres_url: str
) -> None:
    db = tmp_path / "from.db"
    clock = FakeClock()
    await _half_way(db, clock)

    code = await asyncio.to_thread(main, ["db", "copy", "--from", str(db), "--to", postgres_url])
    assert code == 0
    # Copying twice into the same database is refused: the target is not empty.
    assert (
        await asyncio.to_thread(main, ["db", "copy", "--from", str(db), "--to", postgres_url]) == 1
    )
    async with harness(db, clock, url=postgres_url) as h:
        ana = h.person("ana")
        # She goes on at the very question she was asked on SQLite.
        assert "¿Cuál es el primer paso concreto?" in await ana.send("Secretaría de Innovación")
        bea = await h.app.store.participant(ParticipantKey(CHANNEL, "bea"))
        assert bea is not None
        assert bea.opted_out
        moved = await h.app.store.participant(ParticipantKey(CHANNEL, "ana"))
        assert moved is not None
        answers = await h.app.store.answers(moved.id)
        assert [a.step_id for a in answers][-3:] == ["title", "sdg", "office"]
        assert len(await h.rows("SELECT id FROM outbox")) > 0  # new rows got fresh ids


async def test_healthz_says_when_a_migration_is_missing_or_a_loop_stopped(tmp_path: Path) -> None:
    db = tmp_path / "h.db"
    web = create_app(Settings(), f"sqlite:///{db}")
    async with serve_asgi(web, lifespan="on") as url, httpx.AsyncClient(base_url=url) as http:
        ok = await http.get("/healthz")
        assert ok.status_code == 200
        assert ok.json()["pending_migrations"] == 0
        newest = len(migration_scripts("sqlite"))
        await web.state.app.store._write(
            [("DELETE FROM schema_migrations WHERE version = ?", (newest,))]
        )
        missing = await http.get("/healthz")
        assert missing.status_code == 503
        assert missing.json()["status"] == "migrations pending"
        await web.state.app.store._write(
            [("INSERT INTO schema_migrations (version, applied_at) VALUES (?, 'x')", (newest,))]
        )
        web.state.loops[0].cancel()
        for _ in range(50):
            if web.state.loops[0].done():
                break
            await asyncio.sleep(0.02)
        stopped = await http.get("/healthz")
        assert stopped.status_code == 503
        assert stopped.json()["stopped"] == ["outbox sender"]


async def test_retention_erases_people_of_workshops_long_over(h: Harness) -> None:
    old = await h.create_cohort("VIEJO", "Taller de 2023")
    await h.app.store.save_checkin_plan(replace(old, ends=date(2024, 1, 31), checkin_days=()), [])
    await h.create_cohort("NUEVO", "Taller abierto")  # no end date: never over
    ana, bea, cai = h.person("ana"), h.person("bea"), h.person("cai")
    await ana.onboard("VIEJO")
    await bea.onboard("NUEVO", name="Bea")
    await cai.onboard("VIEJO", name="Cai")
    await cai.send("/start NUEVO")
    h.sender.take_all()
    # 2 March 2026 minus 24 months: the old workshop ended before 2 March 2024.
    assert await apply_retention(h.app, 24) == 1
    await h.app.sender.drain()
    assert h.sender.take_all() == {}  # erased silently
    assert await h.app.store.participant(ParticipantKey(CHANNEL, "ana")) is None
    assert await h.app.store.participant(ParticipantKey(CHANNEL, "bea")) is not None
    assert await h.app.store.participant(ParticipantKey(CHANNEL, "cai")) is not None
    assert await apply_retention(h.app, 24) == 0  # nothing left to do
    assert await apply_retention(h.app, 26) == 0  # a longer period keeps them all


def test_mydata_sends_the_whole_record_as_a_document(tmp_path: Path) -> None:
    lines = ["1", "sí", "Lucía", "Cusco", "Perú", "3", "1", "/mydata"]
    done = subprocess.run(
        [sys.executable, "-m", "bot", "chat", "--db", str(tmp_path / "c.db"), "--as", "lucia"],
        input="".join(f"{line}\n" for line in lines),
        capture_output=True,
        text=True,
        timeout=90,
        cwd=tmp_path,
        check=True,
    )
    assert "[document: minga-mydata.txt]" in done.stdout
    document = (tmp_path / "minga-mydata.txt").read_text(encoding="utf-8")
    assert "Nombre: Lucía" in document
    assert "¿En qué municipio o gobierno local trabaja? Cusco" in document
    assert "/borrar" in document
