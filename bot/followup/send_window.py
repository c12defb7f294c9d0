"""When Minga may write first: working hours on working days, in the person's own time zone.

A check-in that reaches a mayor at 23:00 on a Saturday is noise; the same message on Tuesday at
10:00 gets answered. The time zone is the person's country's (where they live and work, which
matters months after a regional workshop), else the workshop's, else the configured default.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel.core import get_global

DEFAULT_ZONE = ZoneInfo("America/Bogota")
DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# Countries with several zones, by their capital's (CLDR lists zones in no useful order).
_CAPITAL_ZONES = {
    "AR": "America/Argentina/Buenos_Aires",
    "BR": "America/Sao_Paulo",
    "CL": "America/Santiago",
    "EC": "America/Guayaquil",
    "MX": "America/Mexico_City",
    "US": "America/New_York",
    "ES": "Europe/Madrid",
    "PT": "Europe/Lisbon",
}


@dataclass(frozen=True, slots=True)
class SendWindow:
    """Hours [start, end) on some weekdays (0 = Monday) when Minga may start a conversation."""

    start: time = time(9)
    end: time = time(19)
    weekdays: frozenset[int] = frozenset(range(5))

    def __post_init__(self) -> None:
        if not self.start < self.end:
            raise ValueError("the send window must start before it ends")
        if not self.weekdays:
            raise ValueError("the send window needs at least one day")

    def contains(self, at: datetime, zone: ZoneInfo) -> bool:
        """Tell whether `at` falls inside the window in that time zone."""
        local = at.astimezone(zone)
        return local.weekday() in self.weekdays and self.start <= local.time() < self.end

    def next_open(self, at: datetime, zone: ZoneInfo) -> datetime:
        """Return `at` if the window is open then, else the moment it next opens."""
        if self.contains(at, zone):
            return at
        local = at.astimezone(zone)
        day = local.date() if local.time() < self.start else local.date() + timedelta(days=1)
        while day.weekday() not in self.weekdays:
            day += timedelta(days=1)
        return datetime.combine(day, self.start, tzinfo=zone).astimezone(at.tzinfo)


@dataclass(frozen=True, slots=True)
class SchedulePolicy:
    """When Minga's own conversations start: the window, the fallback zone, the lateness allowed.

    `max_late`: how late a start that came due while Minga was down may still go out;
    `lease_seconds`: how long a claimed row is a worker's before another may take it.
    """

    window: SendWindow = SendWindow()
    default_zone: ZoneInfo = DEFAULT_ZONE
    max_late: timedelta = timedelta(days=3)
    lease_seconds: float = 120.0


def parse_window(hours: str, days: str) -> SendWindow:
    """Read "9-19" and "mon-fri" (or "mon,wed,fri") into a window; ValueError names the problem."""
    first, sep, last = hours.partition("-")
    if not sep or not first.strip().isdecimal() or not last.strip().isdecimal():
        raise ValueError(f"send hours must look like 9-19, not {hours!r}")
    start, end = int(first), int(last)
    if not 0 <= start < end <= 24:
        raise ValueError(f"send hours must be within 0-24 and start before they end: {hours!r}")
    return SendWindow(time(start), time(23, 59, 59) if end == 24 else time(end), _days(days))


def _days(text: str) -> frozenset[int]:
    found: set[int] = set()
    for part in text.lower().replace(" ", "").split(","):
        first, _, last = part.partition("-")
        if first not in DAY_NAMES or (last and last not in DAY_NAMES):
            raise ValueError(f"send days must be names like mon-fri or mon,wed,fri: {text!r}")
        a = DAY_NAMES.index(first)
        b = DAY_NAMES.index(last) if last else a
        found.update(range(a, b + 1) if a <= b else [*range(a, 7), *range(0, b + 1)])
    return frozenset(found)


@cache
def zone_named(name: str | None) -> ZoneInfo | None:
    """Return the zone of an IANA name, or None when it is empty or unknown."""
    if not name:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


@cache
def country_zone(country: str | None) -> ZoneInfo | None:
    """Return the time zone of a country (ISO code), its capital's when it has several."""
    code = (country or "").upper()
    if len(code) != 2:
        return None
    zones: list[str] = get_global("territory_zones").get(code, [])
    name = _CAPITAL_ZONES.get(code) or (zones[0] if len(zones) == 1 else None)
    return zone_named(name)


def person_zone(country: str | None, cohort_timezone: str | None, default: ZoneInfo) -> ZoneInfo:
    """Return a person's zone: their country's, else their workshop's, else the default."""
    return country_zone(country) or zone_named(cohort_timezone) or default
