"""The `minga` command line, run in-process through `bot.cli.main`."""

from __future__ import annotations

import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest

from bot.cli.flowtest import run_script, shipped_scripts
from bot.cli.main import main
from storage.base import migration_scripts


def test_flows_validate_passes_on_the_library(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["flows", "validate"]) == 0
    assert "ok  onboarding v1" in capsys.readouterr().out


def test_flows_validate_fails_on_a_broken_file(capsys: pytest.CaptureFixture[str]) -> None:
    broken = Path(__file__).parent / "flows" / "broken" / "missing_target.yaml"
    assert main(["flows", "validate", str(broken)]) == 1
    err = capsys.readouterr().err
    assert "step 'a': goes to 'nowhere'" in err
    assert "1 problem(s) found" in err


@pytest.mark.parametrize("fmt", ["dot", "mermaid"])
def test_flows_draw(tmp_path: Path, fmt: str) -> None:
    out = tmp_path / f"onboarding.{fmt}"
    assert main(["flows", "draw", "onboarding", "--format", fmt, "-o", str(out)]) == 0
    text = out.read_text()
    if fmt == "dot":
        assert '"consent" -> "declined" [label="answer"]' in text
        assert 'label="back"' in text
    else:
        assert "consent --> declined: answer" in text


def test_flows_draw_unknown_flow() -> None:
    assert main(["flows", "draw", "nope"]) == 1


@pytest.mark.parametrize("script", shipped_scripts(), ids=lambda p: p.name)
async def test_shipped_conversation_scripts(script: Path) -> None:
    result = await run_script(script)
    assert result.failures == []
    assert result.exchanges >= 5


async def test_a_script_that_expects_the_wrong_thing_fails(tmp_path: Path) -> None:
    script = tmp_path / "wrong.yaml"
    script.write_text("locale: es\nconversation:\n  - bot: 'Bonjour'\n", encoding="utf-8")
    result = await run_script(script)
    assert not result.ok
    assert "expected /Bonjour/" in result.failures[0]


def test_cohort_create_list_and_duplicate(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(tmp_path / "c.db")
    assert main(["cohort", "create", "--db", db, "--name", "Taller Lima", "--code", "LIMA1"]) == 0
    assert main(["cohort", "create", "--db", db, "--name", "Otro", "--code", "lima1"]) == 1
    assert main(["--db", db, "cohort", "list"]) == 0
    out = capsys.readouterr().out
    assert "LIMA1" in out
    assert "Taller Lima" in out


def test_a_workshop_that_already_ended_is_created_with_a_warning(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Issue 18: "--ends 2020-01-31" was taken without a word."""
    db = str(tmp_path / "c.db")
    made = ["cohort", "create", "--db", db, "--name", "Taller", "--code", "VIEJO", "--ends"]
    assert main([*made, "2020-01-31"]) == 0  # a workshop entered afterwards is allowed
    err = capsys.readouterr().err
    assert "warning: the end date 2020-01-31 has already passed" in err
    assert "check-ins on days +14, +30, +90, +180 are already due and will not be sent" in err
    upcoming = date.today() + timedelta(days=30)
    assert (
        main(
            [
                "cohort",
                "create",
                "--db",
                db,
                "--name",
                "T",
                "--code",
                "NUEVO",
                "--ends",
                str(upcoming),
            ]
        )
        == 0
    )
    assert "warning" not in capsys.readouterr().err
    backwards = ["--starts", str(upcoming), "--ends", str(upcoming - timedelta(days=2))]
    assert (
        main(["cohort", "create", "--db", db, "--name", "T", "--code", "AL_REVES", *backwards]) == 0
    )
    assert "is before the start date" in capsys.readouterr().err


def test_migrate_reports_the_schema(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = str(tmp_path / "m.db")
    newest = len(migration_scripts("sqlite"))
    assert newest >= 10
    assert main(["migrate", "--db", db]) == 0
    applied = ", ".join(str(n) for n in range(1, newest + 1))
    assert f"migrations applied: {applied}" in capsys.readouterr().out
    assert main(["migrate", "--db", db]) == 0
    assert f"migrations applied: none; schema version {newest}" in capsys.readouterr().out


def test_invalid_locale_setting_names_the_variable(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("MINGA_LOCALE", "fr")
    assert main(["flows", "validate"]) == 2
    assert "MINGA_LOCALE" in capsys.readouterr().err


def test_chat_from_a_pipe_remembers_the_person(tmp_path: Path) -> None:
    db = tmp_path / "chat.db"

    def chat(text: str) -> str:
        return subprocess.run(
            [sys.executable, "-m", "bot", "chat", "--db", str(db), "--as", "lucia"],
            input=text,
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        ).stdout

    first = chat("1\nsí\nLucía\nCusco\nPerú\n2\n1\n")
    assert "¡Todo listo, Lucía!" in first
    assert "> Lucía" in first
    assert "¡Hola de nuevo, Lucía!" in chat("")


def test_prioritization_commands(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = str(tmp_path / "p.db")
    assert main(["cohort", "create", "--db", db, "--name", "Taller", "--code", "T1"]) == 0
    assert main(["prioritization", "phase", "--db", db, "T1", "voting"]) == 1
    assert "no challenges" in capsys.readouterr().err
    assert main(["prioritization", "phase", "--db", db, "T1", "closed"]) == 1
    assert "next phase" in capsys.readouterr().err
    assert main(["prioritization", "show", "--db", db, "T1"]) == 0
    assert "Taller (T1): collecting" in capsys.readouterr().out
    assert main(["prioritization", "hide", "--db", db, "T1", "nope"]) == 1
    assert main(["prioritization", "show", "--db", db, "NOPE"]) == 1


def test_an_organisations_own_flow_from_minga_flows_dir(tmp_path: Path) -> None:
    # A team adds an assessment in its own words: no catalog entry, shown as written.
    (tmp_path / "flows").mkdir()
    (tmp_path / "flows" / "local.yaml").write_text(
        "spec: 1\nid: local_check\nkind: assessment\nversion: 1\ntitle: Chequeo de la mesa\n"
        "dimensions:\n  - {id: d, label: Coordinación, suggestion: Reúnanse cada mes}\n"
        "steps:\n  - {id: q1, ask: '¿Nos coordinamos bien?', type: likert, dimension: d, "
        "next: done}\n  - {id: done, say: Gracias, end: true}\n",
        encoding="utf-8",
    )
    env = {"MINGA_FLOWS_DIR": str(tmp_path / "flows"), "PATH": "/usr/bin:/bin"}
    out = subprocess.run(
        [sys.executable, "-m", "bot", "chat", "--db", str(tmp_path / "c.db"), "--as", "eva"],
        input="1\nsí\nEva\nCusco\nPerú\n2\n1\nChequeo de la mesa\n5\n",
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
        env=env,
    ).stdout
    assert "Chequeo de la mesa" in out
    assert "¿Nos coordinamos bien?" in out
    assert "Coordinación: 100" in out


def test_a_broken_flow_in_minga_flows_dir_stops_start_up(tmp_path: Path) -> None:
    (tmp_path / "flows").mkdir()
    (tmp_path / "flows" / "bad.yaml").write_text("spec: 1\nid: bad\n", encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "bot", "chat", "--db", str(tmp_path / "c.db")],
        input="",
        capture_output=True,
        text=True,
        timeout=60,
        env={"MINGA_FLOWS_DIR": str(tmp_path / "flows"), "PATH": "/usr/bin:/bin"},
    )
    assert done.returncode == 2
    assert "bad.yaml: 'title' is required" in done.stderr
    assert "Traceback" not in done.stderr


def test_export_writes_xlsx_and_csv_zip(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = str(tmp_path / "e.db")
    assert main(["cohort", "create", "--db", db, "--name", "Taller", "--code", "EXP1"]) == 0
    assert main(["export", "EXP1", "--db", db, "--out", str(tmp_path)]) == 0
    assert "members 0" in capsys.readouterr().out
    assert (tmp_path / "minga-EXP1.xlsx").read_bytes().startswith(b"PK")
    assert (tmp_path / "minga-EXP1.zip").read_bytes().startswith(b"PK")
    assert main(["export", "NOPE", "--db", db]) == 1


def test_serve_without_a_dashboard_token_exits_with_what_to_do(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("MINGA_DASHBOARD_TOKEN", "")  # what the env example shipped
    assert main(["serve", "--port", "0"]) == 2
    err = capsys.readouterr().err
    assert "MINGA_DASHBOARD_TOKEN is not set" in err
    assert "openssl rand -hex 24" in err
