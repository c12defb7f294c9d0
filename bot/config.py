"""Settings from the environment (`MINGA_*`) and an optional `.env` file."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Literal

from pydantic import SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.conversation.limits import BurstLimit
from bot.followup.send_window import SchedulePolicy, parse_window, zone_named
from i18n import SHIPPED_LOCALES
from storage import ParticipantKey

# A token anyone could guess (or a blank line in an env file) must never open the dashboard.
DASHBOARD_TOKEN_MIN = 24


class ConfigError(Exception):
    """A setting a command needs is missing or wrong; the message names the variable."""


class Settings(BaseSettings):
    """Every `MINGA_*` setting; see deploy/minga.env.example for what each one does."""

    model_config = SettingsConfigDict(
        env_prefix="MINGA_", env_file=".env", extra="ignore", frozen=True
    )

    database_url: str = "sqlite:///minga.db"
    # Outbox rows claimed and in flight at once. 1 sends strictly one at a time: the crash
    # tests use it to kill at a point where no request is on its way.
    outbox_batch: int = 200
    # Where `minga serve` sends from: "process", a child of its own (`minga send`), so webhooks
    # and sending use a core each; "inline", the serving process itself (one process to watch).
    sender: Literal["process", "inline"] = "process"
    # A folder of the organisation's own flow files, loaded next to the shipped library.
    flows_dir: Path | None = None
    locale: str = "es"
    telegram_token: SecretStr | None = None
    telegram_api_url: str = "https://api.telegram.org/bot"
    telegram_webhook_secret: SecretStr | None = None
    telegram_bot_username: str | None = None  # for t.me links on the join poster
    # Telegram's limits: about 30 messages a second in all, about one a second per private chat.
    # The pacer counts a send from its start until a second after its answer, so network jitter
    # cannot bunch more than this into one second. Raise them only for a local Bot API server.
    telegram_rate: float = 30.0
    telegram_chat_rate: float = 1.0
    twilio_account_sid: str | None = None
    twilio_auth_token: SecretStr | None = None
    whatsapp_from: str | None = None
    twilio_api_url: str = "https://api.twilio.com"
    whatsapp_rate: float = 80.0  # messages a second per sender (Twilio's default)
    # Approved templates (Content SIDs, HX…) for messages Minga starts outside the 24-hour
    # window; each has a quick reply that reopens the conversation.
    whatsapp_template_broadcast: str | None = None
    whatsapp_template_checkin: str | None = None
    whatsapp_template_flow: str | None = None
    whatsapp_template_reminder: str | None = None
    # Generic content templates for choices inside the window, by number of options:
    # "2=HX…,3=HX…" (see bot/channels/whatsapp_interactive.py and `minga whatsapp templates`).
    whatsapp_button_templates: str | None = None
    whatsapp_list_templates: str | None = None
    public_url: str | None = None
    # When Minga may start a conversation (check-ins and their nudges): hours and days in each
    # person's time zone (their country's, else their workshop's, else `timezone`).
    send_hours: str = "9-19"
    send_days: str = "mon-fri"
    timezone: str = "America/Bogota"
    # A check-in that came due while Minga was down is still sent up to this many days late.
    checkin_max_late_days: float = 3.0
    # A scheduled start a worker claimed and never finished (it died) is taken again after this.
    scheduler_lease_seconds: float = 120.0
    # Erase the people of workshops that ended more than this many months ago (published
    # aggregates stay, anonymously). Unset: kept until they /delete.
    retention_months: int | None = None
    facilitators: str = ""
    # One person's messages handled in a window of burst_seconds; the rest of a flood is
    # dropped after one "please slow down". 0 turns the limit off (a load test's robots).
    burst_messages: int = 20
    burst_seconds: float = 10.0
    # `minga serve` serves the dashboard (and the projector view, exports, /metrics behind it)
    # unless this is off; served, it needs a token of at least DASHBOARD_TOKEN_MIN characters.
    dashboard: bool = True
    dashboard_token: SecretStr | None = None

    @field_validator("locale")
    @classmethod
    def _shipped_locale(cls, value: str) -> str:
        if value not in SHIPPED_LOCALES:
            raise ValueError(f"MINGA_LOCALE must be one of {', '.join(SHIPPED_LOCALES)}")
        return value

    @field_validator("whatsapp_button_templates", "whatsapp_list_templates")
    @classmethod
    def _template_counts(cls, value: str | None) -> str | None:
        from bot.channels.whatsapp_interactive import parse_counts

        parse_counts(value)  # "2=HX…,3=HX…": refuse a typo at start-up, not at the first send
        return value

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        if zone_named(value) is None:
            raise ValueError(f"MINGA_TIMEZONE must be an IANA time zone name, not {value!r}")
        return value

    @model_validator(mode="after")
    def _valid_window(self) -> Settings:
        parse_window(self.send_hours, self.send_days)  # ValueError names the bad setting
        return self

    def schedule_policy(self) -> SchedulePolicy:
        """Return when Minga may write first, in which zone by default, and how late."""
        zone = zone_named(self.timezone)
        assert zone is not None  # checked by the validator
        return SchedulePolicy(
            parse_window(self.send_hours, self.send_days),
            zone,
            timedelta(days=self.checkin_max_late_days),
            self.scheduler_lease_seconds,
        )

    def require(self, *names: str) -> None:
        """Raise `ConfigError` naming the first of these settings that is not set."""
        for name in names:
            if not getattr(self, name):
                raise ConfigError(f"MINGA_{name.upper()} is not set")

    def require_dashboard_token(self) -> None:
        """Raise `ConfigError` unless the dashboard is off or its token is long enough."""
        if not self.dashboard:
            return
        token = self.dashboard_token.get_secret_value() if self.dashboard_token else ""
        if len(token) < DASHBOARD_TOKEN_MIN:
            short = f"is shorter than {DASHBOARD_TOKEN_MIN} characters"
            state = short if token else "is not set"
            raise ConfigError(
                f"MINGA_DASHBOARD_TOKEN {state}: generate one with `openssl rand -hex 24`, "
                "or set MINGA_DASHBOARD=off to serve no dashboard"
            )

    def burst_limit(self) -> BurstLimit | None:
        """Return the per-person message limit, or None when it is off."""
        if self.burst_messages <= 0:
            return None
        return BurstLimit(self.burst_messages, timedelta(seconds=self.burst_seconds))

    def facilitator_keys(self) -> frozenset[ParticipantKey]:
        """Return the `channel:address` entries of `MINGA_FACILITATORS` as participant keys."""
        keys = set()
        for entry in self.facilitators.split(","):
            channel, _, address = entry.strip().partition(":")
            if channel and address:
                keys.add(ParticipantKey(channel, address))
        return frozenset(keys)


def database_url(value: str) -> str:
    """Accept a URL or a bare file path (taken as SQLite) from the command line."""
    return value if "://" in value else f"sqlite:///{value}"
