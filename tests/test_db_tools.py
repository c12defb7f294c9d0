"""`minga backup`, `minga db copy` (SQLite to PostgreSQL, mid-conversation) and /healthz."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest

from bot.cli import main
from bot.config import Settings
from bot.web import create_app
from storage import ParticipantKey
from tests.fakes.telegram_api import serve_asgi
from tests.support import CHANNEL, FakeClock, harness


async def _half_way(db: Path, clock: FakeClock) -> None:
    """Ana onboarded and two answers into her action plan; Bea opted out."""
    async with harness(db, clock) as h:
        await h.create_cohort()
        ana = h.person("ana")
        await ana.onboard("ODS2026")
        await ana.send("Mi plan de acción")
        await ana.send("Ventanilla única")
        assert "¿Qué oficina" in await ana.send("ods 16")
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
        await web.state.app.store._write([("DELETE FROM schema_migrations WHERE version = 10", ())])
        missing = await http.get("/healthz")
        assert missing.status_code == 503
        assert missing.json()["status"] == "migrations pending"
        await web.state.app.store._write(
            [("INSERT INTO schema_migrations (version, applied_at) VALUES (10, 'x')", ())]
        )
        web.state.loops[0].cancel()
        for _ in range(50):
            if web.state.loops[0].done():
                break
            await asyncio.sleep(0.02)
        stopped = await http.get("/healthz")
        assert stopped.status_code == 503
        assert stopped.json()["stopped"] == ["outbox sender"]
