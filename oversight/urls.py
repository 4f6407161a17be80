from django.urls import path

from . import ops, views

app_name = "oversight"

urlpatterns = [
    path("exec/", views.executive, name="executive"),
    path("exec/overdue.geojson", views.overdue, name="overdue"),
    path("exec/agencies.csv", views.export_csv, name="csv"),
    path("exec/agencies.xlsx", views.export_xlsx, name="xlsx"),
    path("exec/report.pdf", views.monthly_report, name="report"),
    path("ops/returns", ops.returns_page, name="returns"),
]
