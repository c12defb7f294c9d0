"""The send window, time zones by country, check-in day plans, and the example settings file."""

from __future__ import annotations

from datetime import UTC, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.config import Settings
from bot.followup.checkins import parse_days
from bot.followup.send_window import SendWindow, country_zone, parse_window, person_zone

LIMA = ZoneInfo("America/Lima")
SANTIAGO = ZoneInfo("America/Santiago")


def test_inside_the_window_a_time_stays() -> None:
    tuesday = datetime(2026, 3, 3, 15, 0, tzinfo=UTC)  # 10:00 in Lima
    assert SendWindow().next_open(tuesday, LIMA) == tuesday


@pytest.mark.parametrize(
    ("at", "opens"),
    [
        # Tuesday 06:00 in Lima: the same day at 09:00.
        (datetime(2026, 3, 3, 11, 0, tzinfo=UTC), datetime(2026, 3, 3, 14, 0, tzinfo=UTC)),
        # Tuesday 19:00 sharp: the window is [9, 19), so Wednesday 09:00.
        (datetime(2026, 3, 4, 0, 0, tzinfo=UTC), datetime(2026, 3, 4, 14, 0, tzinfo=UTC)),
        # Friday 20:00 and Saturday noon: Monday 09:00.
        (datetime(2026, 3, 7, 1, 0, tzinfo=UTC), datetime(2026, 3, 9, 14, 0, tzinfo=UTC)),
        (datetime(2026, 3, 7, 17, 0, tzinfo=UTC), datetime(2026, 3, 9, 14, 0, tzinfo=UTC)),
    ],
)
def test_outside_the_window_the_next_opening(at: datetime, opens: datetime) -> None:
    assert SendWindow().next_open(at, LIMA) == opens


def test_the_opening_follows_daylight_saving_time() -> None:
    # Chile leaves summer time on Sunday 5 April 2026: 09:00 is 12:00 UTC before, 13:00 after.
    before = SendWindow().next_open(datetime(2026, 4, 3, 2, 0, tzinfo=UTC), SANTIAGO)
    after = SendWindow().next_open(datetime(2026, 4, 4, 2, 0, tzinfo=UTC), SANTIAGO)
    assert before == datetime(2026, 4, 3, 12, 0, tzinfo=UTC)
    assert after == datetime(2026, 4, 6, 13, 0, tzinfo=UTC)


def test_settings_read_hours_and_days() -> None:
    window = parse_window("8-17", "mon,wed-fri")
    assert (window.start, window.end, sorted(window.weekdays)) == (time(8), time(17), [0, 2, 3, 4])
    assert parse_window("0-24", "sat-mon").weekdays == frozenset({5, 6, 0})
    for hours, days in (("9", "mon-fri"), ("19-9", "mon-fri"), ("9-19", "lunes")):
        with pytest.raises(ValueError, match="send"):
            parse_window(hours, days)
    with pytest.raises(ValueError, match="send"):
        Settings(send_hours="late")
    with pytest.raises(ValueError, match="MINGA_TIMEZONE"):
        Settings(timezone="Mars/Olympus")


def test_a_persons_zone_is_their_countrys_then_their_workshops() -> None:
    default = ZoneInfo("UTC")
    assert country_zone("MX") == ZoneInfo("America/Mexico_City")  # several zones: the capital's
    assert country_zone("PE") == LIMA
    assert person_zone("BR", "America/Lima", default) == ZoneInfo("America/Sao_Paulo")
    assert person_zone("other", "America/Lima", default) == LIMA
    assert person_zone(None, None, default) == default


def test_checkin_days() -> None:
    assert parse_days("90, 30,+180, 30") == (30, 90, 180)
    assert parse_days("none") == ()
    for text in ("30,noventa", "0", "-5", "99999"):
        with pytest.raises(ValueError, match="whole days"):
            parse_days(text)


def test_the_example_settings_file_names_every_setting() -> None:
    example = (Path(__file__).resolve().parent.parent / "deploy" / "minga.env.example").read_text()
    missing = [
        f"MINGA_{name.upper()}"
        for name in Settings.model_fields
        if f"MINGA_{name.upper()}=" not in example
    ]
    assert missing == []
