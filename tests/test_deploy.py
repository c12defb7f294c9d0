"""deploy/: the Dockerfile and compose file checked by parsing them (no Docker engine runs here),
and the image's own commands — its build checks, entrypoint and health check — run for real."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

DEPLOY = Path(__file__).resolve().parent.parent / "deploy"
ROOT = DEPLOY.parent


def instructions() -> list[tuple[str, str]]:
    """The Dockerfile as (INSTRUCTION, arguments), continuation lines joined, comments gone."""
    found: list[tuple[str, str]] = []
    pending = ""
    for line in (DEPLOY / "Dockerfile").read_text().splitlines():
        if not pending and (not line.strip() or line.lstrip().startswith("#")):
            continue
        pending += line.rstrip("\\").strip() + " "
        if not line.rstrip().endswith("\\"):
            word, _, rest = pending.strip().partition(" ")
            found.append((word.upper(), rest.strip()))
            pending = ""
    return found


def exec_form(arguments: str) -> list[str]:
    value = json.loads(arguments)
    assert isinstance(value, list), f"use the exec form (a JSON list), not {arguments!r}"
    return [str(v) for v in value]


def test_the_dockerfile_follows_the_usual_rules() -> None:
    steps = instructions()
    names = [name for name, _ in steps]
    base = steps[0]
    assert base[0] == "FROM"
    assert ":" in base[1], "pin the base image"  # DL3006
    assert not base[1].endswith(":latest")  # DL3007
    assert "slim" in base[1]
    assert "ADD" not in names, "COPY, not ADD"  # DL3020
    for name, arguments in steps:
        if name == "RUN" and "pip install" in arguments:
            assert "--no-cache-dir" in arguments  # DL3042
        assert not (name == "RUN" and "apt-get install" in arguments and "-y" not in arguments)
    users = [arguments for name, arguments in steps if name == "USER"]
    assert users, "run as a non-root user"
    assert users[-1] not in ("root", "0")  # DL3002
    assert names.index("USER") < names.index("ENTRYPOINT")
    assert "HEALTHCHECK" in names
    assert exec_form(dict(steps)["ENTRYPOINT"]) == ["minga"]
    assert exec_form(dict(steps)["CMD"])[0] == "serve"
    copied = [arguments.split()[0] for name, arguments in steps if name == "COPY"]
    assert {"bot", "flows", "storage", "i18n", "pyproject.toml"} <= set(copied)
    assert (ROOT / ".dockerignore").exists() or "tests" not in copied


def test_the_compose_file_runs_two_workers_on_postgres_behind_a_proxy() -> None:
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    services = compose["services"]
    assert {"db", "minga1", "minga2", "proxy"} <= set(services)
    db = services["db"]
    assert db["image"].startswith("postgres:")
    assert any(v.startswith("pgdata:") for v in db["volumes"])
    assert "pgdata" in compose["volumes"]
    assert "pg_isready" in " ".join(db["healthcheck"]["test"])
    for name in ("minga1", "minga2"):
        worker = services[name]
        assert worker["environment"]["MINGA_DATABASE_URL"].startswith("postgresql://")
        assert worker["depends_on"]["db"]["condition"] == "service_healthy"
        assert "/healthz" in " ".join(worker["healthcheck"]["test"])
        assert worker["env_file"] == "minga.env"
    assert services["minga1"]["build"]["dockerfile"] == "deploy/Dockerfile"
    proxy = services["proxy"]
    assert proxy["depends_on"]["minga1"]["condition"] == "service_healthy"
    caddyfile = (DEPLOY / proxy["volumes"][0].split(":")[0]).read_text()
    assert "minga1:8000" in caddyfile
    assert "minga2:8000" in caddyfile
    assert "health_uri /healthz" in caddyfile


def test_the_systemd_unit_and_the_runbook() -> None:
    unit = (DEPLOY / "minga.service").read_text()
    assert "User=minga" in unit
    assert "EnvironmentFile=/etc/minga/minga.env" in unit
    assert "ExecStart=/opt/minga/.venv/bin/minga serve" in unit
    runbook = (DEPLOY / "RUNBOOK.md").read_text()
    for topic in ("First install", "Telegram", "Twilio", "Backups", "Upgrades", "PostgreSQL"):
        assert topic in runbook
    assert "minga db copy --from sqlite:" in runbook
    assert "minga.continue" in runbook  # the templates' quick-reply payload


def test_the_images_build_checks_entrypoint_and_health_check_run(tmp_path: Path) -> None:
    """What `docker build` and `docker run` would execute, run here without Docker."""
    steps = instructions()
    env = {**os.environ, "MINGA_DATABASE_URL": f"sqlite:///{tmp_path}/minga.db"}
    checks = [
        arguments for name, arguments in steps if name == "RUN" and "pip install" not in arguments
    ]
    assert checks, "the build should check the catalogs and flows"
    bindir = Path(sys.executable).parent
    path = {**env, "PATH": f"{bindir}:{env['PATH']}"}
    for check in checks:
        done = subprocess.run(
            check, shell=True, cwd=tmp_path, env=path, capture_output=True, text=True, timeout=120
        )
        assert done.returncode == 0, done.stderr
    command = exec_form(dict(steps)["ENTRYPOINT"]) + exec_form(dict(steps)["CMD"])
    port = 18600 + os.getpid() % 300
    command = [a if a != "8000" else str(port) for a in command]
    command = [a if a != "0.0.0.0" else "127.0.0.1" for a in command]
    served = subprocess.Popen([str(bindir / command[0]), *command[1:]], env=env, cwd=tmp_path)
    try:
        health = dict(steps)["HEALTHCHECK"].split("CMD", 1)[1].strip()
        probe = [a.replace("8000", str(port)) for a in exec_form(health)]
        for _ in range(100):
            if subprocess.run([sys.executable, *probe[1:]], timeout=10).returncode == 0:
                break
            time.sleep(0.2)
        else:
            pytest.fail("the image's health check never passed")
    finally:
        served.terminate()
        served.wait(timeout=20)
    assert shlex.join(command).startswith("minga serve")
