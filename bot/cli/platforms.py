"""`minga telegram set-webhook|set-commands` and `minga whatsapp templates`: one-off setup."""

from __future__ import annotations

import argparse
import json

from bot.cli.groups import Subparsers
from bot.config import Settings
from bot.plumbing.loop import run


def register(sub: Subparsers, common: argparse.ArgumentParser) -> None:
    """Add the platforms' setup commands."""
    telegram = sub.add_parser("telegram", help="Telegram setup")
    telegram.set_defaults(run=_telegram)
    telegram_sub = telegram.add_subparsers(dest="telegram_command", required=True)
    telegram_sub.add_parser("set-webhook", help="register MINGA_PUBLIC_URL/telegram/webhook")
    telegram_sub.add_parser("set-commands", help="publish the command menu in es, pt and en")
    whatsapp = sub.add_parser("whatsapp", help="WhatsApp setup")
    whatsapp.set_defaults(run=_whatsapp)
    whatsapp_sub = whatsapp.add_subparsers(dest="whatsapp_command", required=True)
    templates = whatsapp_sub.add_parser(
        "templates", help="print the button and list templates to create in Twilio's Content API"
    )
    templates.add_argument("--language", default="es")


def _telegram(args: argparse.Namespace, settings: Settings, url: str) -> int:
    from bot.cli.telegram import set_commands, set_webhook

    if args.telegram_command == "set-webhook":
        print(f"webhook set to {run(set_webhook(settings))}")
    else:
        print(f"commands set for: {', '.join(run(set_commands(settings)))}")
    return 0


def _whatsapp(args: argparse.Namespace, settings: Settings, url: str) -> int:
    from bot.channels.whatsapp_interactive import definitions

    print(json.dumps(definitions(args.language), indent=2, ensure_ascii=False))
    return 0
