"""Read-only views answer a wrong method with 405 in their own error shape. Without this, a POST
to a GET-only page meets Django's CSRF check first and gets its HTML 403 page; a view that only
reads changes nothing, so there is nothing for CSRF to protect."""

import functools

from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt

from .errors import body

SAFE = ("GET", "HEAD")


def native_refusal(request, **_):
    return JsonResponse(body("method_not_allowed", f"{request.method} is not allowed here; use GET"), status=405)


def read_only(refuse=native_refusal):
    def decorate(view):
        @csrf_exempt
        @functools.wraps(view)
        def wrapper(request, *args, **kwargs):
            if request.method not in SAFE:
                response = refuse(request, **kwargs)
                response["Allow"] = ", ".join(SAFE)
                return response
            return view(request, *args, **kwargs)

        return wrapper

    return decorate
