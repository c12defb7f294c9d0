"""Start `minga serve` in its own process for a benchmark and wait until it is healthy."""

from __future__ import annotations

import asyncio
import os
import secrets
import subprocess
import sys
from pathlib import Path

import aiohttp


async def start_serve(env: dict[str, str], port: int) -> tuple[subprocess.Popen[bytes], str]:
    """Run `minga serve` with these MINGA_* settings; return the process and its base URL."""
    proc = subprocess.Popen(  # noqa: ASYNC220 - started once, before any load
        [sys.executable, "-m", "bot", "serve", "--port", str(port)],
        # A benchmark's own throwaway dashboard token: serve refuses to start without one.
        env={"MINGA_DASHBOARD_TOKEN": secrets.token_hex(24), **os.environ, **env},
        stdout=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    async with aiohttp.ClientSession() as client:
        for _ in range(300):
            try:
                async with client.get(f"{url}/healthz") as response:
                    if response.status == 200:
                        return proc, url
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.1)
    proc.kill()
    raise RuntimeError("minga serve did not start")


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) a process and its children (the sender) have used so far.

    0 where /proc is missing.
    """
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    own = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return own + sum(cpu_seconds(child) for child in children(pid))


def children(pid: int) -> list[int]:
    """The processes `pid` started (serve's or poll's sender); none where /proc is missing."""
    try:
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []
