"""Request middleware of the project's own."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from petitions.client_ip import from_trusted_proxy

FORWARDED_HEADERS = ("HTTP_X_FORWARDED_PROTO", "HTTP_X_FORWARDED_FOR", "HTTP_X_FORWARDED_HOST", "HTTP_FORWARDED")


def forwarded_headers_from_trusted_proxies_only(get_response: Callable[[HttpRequest], HttpResponse]):
    """Drop X-Forwarded-* from a request that does not come from one of TRUSTED_PROXIES.

    Anyone who reaches gunicorn directly could otherwise claim HTTPS
    (SECURE_PROXY_SSL_HEADER) or another client address. First in MIDDLEWARE."""

    def middleware(request: HttpRequest) -> HttpResponse:
        if not from_trusted_proxy(request):
            for header in FORWARDED_HEADERS:
                request.META.pop(header, None)
        return get_response(request)

    return middleware
