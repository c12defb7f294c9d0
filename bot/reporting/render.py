"""The workshop report as one HTML page and as a PDF (WeasyPrint), from the same template.

Charts travel inside the HTML as data URIs, so the file stands alone (and WeasyPrint fetches
nothing: no network at render time). DejaVu Sans, from Debian's fonts-dejavu-core or matplotlib's
own copy, has every accent of Spanish and Portuguese.
"""

from __future__ import annotations

import asyncio
import base64
from dataclasses import dataclass
from datetime import datetime

from bot.plumbing.templates import render
from bot.reporting.data import ReportData, collect_report
from flows.checkin import STATUSES, status_label
from flows.registry import FlowRegistry
from flows.scoring import MIN_GROUP_SIZE
from i18n import Translator, translator
from storage import Cohort, Store


@dataclass(frozen=True, slots=True)
class Report:
    """A workshop's report: the page, the document, and the file names they go by."""

    html: str
    pdf: bytes
    name: str  # without the extension: "minga-report-ODS2026-es"


def report_html(data: ReportData, tr: Translator) -> str:
    """Write the report as one self-contained HTML page."""
    cohort = data.cohort
    dates = " – ".join(tr.date(d) for d in (cohort.starts, cohort.ends) if d is not None)
    title = tr.gettext("Workshop report")
    footer = f"{title} · {cohort.name}".replace("\\", " ").replace('"', "'").replace("\n", " ")
    return render(
        "report.html",
        tr,
        title=title,
        data=data,
        dates=dates,
        generated=tr.datetime(data.generated_at, "long"),
        footer=footer[:120],
        min_group=MIN_GROUP_SIZE,
        number=tr.number,
        png=_data_uri,
        statuses=[(s, status_label(s, tr)) for s in STATUSES],
    )


def _data_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def html_to_pdf(html: str) -> bytes:
    """Lay the page out as an A4 PDF (CPU-bound: run it off the event loop)."""
    from weasyprint import HTML  # imported here: only reports need it, and it is large

    pdf: bytes = HTML(string=html, base_url=None).write_pdf()
    return pdf


async def build_report(
    store: Store, registry: FlowRegistry, cohort: Cohort, locale: str, now: datetime
) -> Report:
    """Gather, write and lay out one workshop's report in a language."""
    tr = translator(locale)
    data = await collect_report(store, registry, cohort, tr, now)
    html = report_html(data, tr)
    pdf = await asyncio.to_thread(html_to_pdf, html)
    return Report(html, pdf, f"minga-report-{cohort.code}-{locale}")
