"""The scorecard as files: CSV (stable English column names, for machines and spreadsheets) and
XLSX (openpyxl: the agencies and the weekly trend on two sheets, headers in the reader's language)."""

import csv
import io

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

COLUMNS = (
    "code",
    "name_th",
    "name_en",
    "received",
    "done",
    "response_h",
    "done_h",
    "open_now",
    "overdue_now",
    "overdue_share",
    "reopen_rate",
    "rating_count",
    "rating_mean",
)


def headers() -> list[str]:
    return [
        _("Agency code"),
        _("Name (Thai)"),
        _("Name (English)"),
        _("Received"),
        _("Done"),
        _("Median hours to first response"),
        _("Median hours to done"),
        _("Open now"),
        _("Overdue now"),
        _("Share overdue"),
        _("Reopen rate"),
        _("Ratings"),
        _("Mean rating"),
    ]


def as_csv(rows: list[dict]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for row in rows:
        writer.writerow(["" if row[c] is None else row[c] for c in COLUMNS])
    # A byte-order mark so that spreadsheet programs read the Thai names as UTF-8.
    return "\ufeff" + out.getvalue()


def as_xlsx(rows: list[dict], weeks: list[dict], title: str) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = _("Agencies")[:31]
    sheet.append([title])
    sheet["A1"].font = Font(bold=True, size=13)
    sheet.append(headers())
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append([row[c] for c in COLUMNS])
    for letter, width in zip("ABCDEFGHIJKLM", (14, 40, 36, 10, 10, 14, 14, 10, 10, 10, 10, 10, 10)):
        sheet.column_dimensions[letter].width = width
    trend = book.create_sheet(_("Weeks")[:31])
    trend.append([_("ISO week"), _("Monday"), _("Received"), _("Done")])
    for cell in trend[1]:
        cell.font = Font(bold=True)
    for week in weeks:
        trend.append([week["week"], week["monday"], week["received"], week["done"]])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
