from django.urls import re_path

from geo.http.methods import read_only

from . import render, views


def _wrong_method(request, fmt="json", **_):
    return render.error(fmt, 405, f"{request.method} is not allowed here; use GET")


get_only = read_only(_wrong_method)

FMT = r"\.(?P<fmt>json|xml)$"

urlpatterns = [
    re_path(r"^services" + FMT, get_only(views.services), name="open311-services"),
    re_path(r"^services/(?P<code>[\w-]+)" + FMT, get_only(views.service_definition), name="open311-service"),
    re_path(r"^requests" + FMT, views.requests, name="open311-requests"),
    re_path(r"^requests/(?P<request_id>[0-9]{1,18})" + FMT, get_only(views.request_detail), name="open311-request"),
    re_path(r"^servicerequestupdates" + FMT, get_only(views.request_updates), name="open311-request-updates"),
    re_path(r"^tokens/(?P<token_id>[^/]+?)" + FMT, get_only(views.token), name="open311-token"),
]
