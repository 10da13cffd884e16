"""The public JSON API: reads the tallies only, cacheable for the counting interval; per-county
numbers from an hourly snapshot with small counts hidden (selectors.petition_public_county_counts)."""

from django.conf import settings
from django.http import HttpRequest, JsonResponse
from django.shortcuts import get_object_or_404
from django.utils.cache import patch_cache_control

from petitions.models import Petition
from petitions.selectors import petition_public_json


def petition_json(request: HttpRequest, slug: str) -> JsonResponse:
    petition = get_object_or_404(Petition, slug=slug)
    response = JsonResponse(petition_public_json(petition))
    patch_cache_control(response, public=True, max_age=settings.COUNT_INTERVAL)
    response["Access-Control-Allow-Origin"] = "*"  # partner sites show the count
    return response
