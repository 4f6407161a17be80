"""The monthly report a governor's office prints: A4, Thai (Laksaman, TLWG's free version of the
TH Sarabun face of Thai government documents), rendered from a Django template by WeasyPrint
(HTML to PDF with Pango's Thai shaping)."""

from django.template.loader import render_to_string
from django.utils import timezone
from weasyprint import HTML

from . import charts, dates, scorecard
from .areas import Area
from .scorecard import Period


def context(area: Area, period: Period, language: str) -> dict:
    rows = scorecard.agencies(area, period)
    return {
        "area": area,
        "area_name": area.name(language),
        "period": period,
        "month": dates.month_name(period.since, language),
        "rows": rows,
        "totals": scorecard.totals(rows),
        "weeks": scorecard.trend(area, period),
        "chart": charts.weekly_bars(scorecard.trend(area, period)),
        "printed": dates.thai_datetime(timezone.now())
        if language == "th"
        else f"{timezone.localtime():%Y-%m-%d %H:%M}",
        "overdue_total": sum(r["overdue_now"] for r in rows),
    }


def monthly(area: Area, period: Period, language: str) -> bytes:
    html = render_to_string("oversight/report.html", context(area, period, language))
    return HTML(string=html).write_pdf()
