"""Shared pieces of the workspace's views: who may enter, and the pages for refusals."""

import functools

from django.contrib.auth.views import redirect_to_login
from django.http import Http404
from django.shortcuts import render

from .access import viewer_of


def page_error(request, status: int, message: str, **context):
    return render(request, "workspace/error.html", {"status": status, "message": message, **context}, status=status)


def workspace_view(view):
    """Signed in (else to the sign-in page), with a place in the workspace (else 403), and a 404 page
    of the workspace's own for anything not theirs."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        viewer = viewer_of(request.user)
        if viewer is None:
            return page_error(request, 403, "no_place")
        request.viewer = viewer
        try:
            return view(request, *args, **kwargs)
        except Http404:
            return page_error(request, 404, "not_found")

    return wrapper


def acting(view):
    """A change: officers only; an executive or operator (read-only) gets 403."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.method != "POST":
            return page_error(request, 405, "post_only")
        if not request.viewer.can_act:
            return page_error(request, 403, "read_only")
        return view(request, *args, **kwargs)

    return wrapper
