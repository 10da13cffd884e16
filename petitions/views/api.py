"""The public JSON API: the counts as of the last counting run (the petition's cache entry,
selectors.petition_counts_cached; the document itself kept a second by each web process,
selectors.petition_public_document), cacheable for the counting interval, with an ETag so
that a poller holding the document gets a 304; per-county numbers from an hourly snapshot
with small counts hidden (selectors.petition_public_county_counts)."""

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.cache import get_conditional_response, patch_cache_control

from petitions.selectors import petition_public_document


def petition_json(request: HttpRequest, slug: str) -> HttpResponse:
    document = petition_public_document(slug)
    if document is None:
        raise Http404("No such petition.")
    etag, body = document
    response = HttpResponse(body, content_type="application/json")
    response["ETag"] = etag
    patch_cache_control(response, public=True, max_age=settings.COUNT_INTERVAL)
    response = get_conditional_response(request, etag=etag, response=response) or response  # 304 when unchanged
    response["Access-Control-Allow-Origin"] = "*"  # partner sites show the count
    return response
