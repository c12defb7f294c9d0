"""`minga serve`, `minga send` and `minga poll`: the long-running processes."""

from __future__ import annotations

import argparse

from bot.cli.groups import Subparsers
from bot.config import Settings
from bot.plumbing.logs import configure_logging
from bot.plumbing.loop import run


def register(sub: Subparsers, common: argparse.ArgumentParser) -> None:
    """Add the commands that run until stopped."""
    serve = sub.add_parser("serve", parents=[common], help="HTTP: webhooks and health")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.set_defaults(run=_serve)
    send = sub.add_parser(
        "send", parents=[common], help="only send queued messages (minga serve starts this itself)"
    )
    # How minga serve runs it: stop when the parent's end of stdin closes, ignore Ctrl-C.
    send.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    send.set_defaults(run=_send)
    poll = sub.add_parser("poll", parents=[common], help="run the Telegram channel by long polling")
    poll.set_defaults(run=_poll)


def _serve(args: argparse.Namespace, settings: Settings, url: str) -> int:
    import uvicorn

    from bot.web.app import create_app

    configure_logging()
    app = create_app(settings, url, sender_process=settings.sender == "process")
    # No access log: a line per webhook call is noise at a workshop's pace, and errors are
    # logged anyway; our log config masks phone numbers and tokens.
    uvicorn.run(
        app, host=args.host, port=args.port, log_level="info", access_log=False, log_config=None
    )
    return 0


def _send(args: argparse.Namespace, settings: Settings, url: str) -> int:
    from bot.sending.process import run_sender

    configure_logging()
    return run(run_sender(settings, url, child=args.child))


def _poll(args: argparse.Namespace, settings: Settings, url: str) -> int:
    from bot.cli.poll import run_poll

    configure_logging()
    return run(run_poll(settings, url, sender_process=settings.sender == "process"))
