"""The public site: the petition, signing, confirming."""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import cache
from itertools import pairwise
from typing import Literal, cast

from csp.decorators import csp_replace
from django.conf import settings
from django.contrib.messages import get_messages
from django.http import Http404, HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404, redirect, render
from django.template import engines
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import number_format
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import check_for_language, get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control, never_cache
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.http import require_http_methods
from django.views.decorators.vary import vary_on_headers

from petitions.client_ip import client_ip
from petitions.documents.wet_ink_form import wet_ink_form_pdf, wet_ink_form_text
from petitions.forms import ConfirmForm, SignatureForm
from petitions.models import Petition, Signature, ZipCounty
from petitions.selectors import (
    PetitionCounts,
    petition_featured,
    petition_history,
    petition_legal_text,
    petition_public,
    petition_public_counts,
    petition_public_county_counts,
    public_memoised,
)
from petitions.services import abuse, signing, wet_ink


def _counting_cache(view):
    """Counts change once per counting run: let browsers and proxies keep the page that long,
    one copy per language (the switcher's cookie, else Accept-Language, which LocaleMiddleware adds)."""
    return vary_on_headers("Cookie")(cache_control(public=True, max_age=settings.COUNT_INTERVAL)(view))


def _accepting_signatures(petition: Petition) -> bool:
    return petition.is_open and (petition.deadline is None or timezone.localdate() <= petition.deadline)


@_counting_cache
def home(request: HttpRequest) -> HttpResponse:
    petition = petition_featured()
    if petition is None:
        raise Http404(_("No petition yet."))
    return _render_petition(request, petition)


@_counting_cache
def petition_detail(request: HttpRequest, slug: str) -> HttpResponse:
    petition = petition_public(slug)
    if petition is None:
        raise Http404(_("No such petition."))
    return _render_petition(request, petition)


def _render_petition(request: HttpRequest, petition: Petition) -> HttpResponse:
    def page() -> HttpResponse:
        counts = petition_public_counts(petition)
        return render(
            request,
            "petitions/petition_detail.html",
            {
                "petition": petition,
                "legal": petition_legal_text(petition),
                "counts": counts,
                "accepting": _accepting_signatures(petition),
                "county_map": public_county_map(petition, counts),
                "history_chart": public_history_chart(petition, counts),
            },
        )

    return HttpResponse(_page_memoised(request, ("petition-page", petition.pk), page))


#: A longer path and query is rendered afresh rather than kept.
PAGE_MEMO_PATH_MAX = 300


def _page_memoised(request: HttpRequest, key: tuple, page: Callable[[], HttpResponse]) -> bytes:
    """The HTML of a public GET page as this process rendered it within the memo window
    (selectors.public_memoised, emptied when the petition or this process's counts change): such
    a page depends only on the petition, its counts, the language and the path the language
    switcher links back to. A request with messages to show is rendered afresh. Saves the
    template rendering, about half of such a request's CPU."""
    path = request.get_full_path()
    if len(path) > PAGE_MEMO_PATH_MAX or len(get_messages(request)):
        return page().content
    return cast(bytes, public_memoised((*key, get_language(), path), lambda: page().content))


def public_history_chart(petition: Petition, counts: PetitionCounts) -> SafeString:
    """The petition page's chart of statewide valid and raw signatures by day (the daily
    snapshots, today's point from the page's counts), rendered at most once per
    PUBLIC_MEMO_SECONDS per process like the map: a page view adds no query."""
    html = public_memoised(
        ("history-chart", petition.pk, get_language()),
        lambda: render_to_string("petitions/_history_chart.html", {"history": petition_history(petition, counts)}),
    )
    return cast(SafeString, html)  # render_to_string's output: escaped as it rendered


def public_county_map(petition: Petition, counts: PetitionCounts) -> SafeString:
    """The petition page's county map and its table (templates/petitions/_county_map.html).

    Per-county numbers on a public page come only from the hourly snapshot with
    small counts hidden (selectors.petition_public_county_counts), never from the
    live counts. Each process renders the HTML at most once per PUBLIC_MEMO_SECONDS
    and keeps it beside the page's counts (the selectors' memo, emptied with
    them): a page view adds no query, no cache read and no 58-row rendering."""
    html = public_memoised(
        ("county-map", petition.pk, get_language()), lambda: _render_public_county_map(petition, counts)
    )
    return cast(SafeString, html)  # render_to_string's output: escaped as it rendered


def _render_public_county_map(petition: Petition, counts: PetitionCounts) -> str:
    snapshot = petition_public_county_counts(petition, counts)
    below = snapshot["suppressed_below"]
    # Valid signatures in four bands: from the smallest number shown to the next power of ten, then by tens.
    edges = [10 ** len(str(max(below, 1)))]
    edges += [edges[0] * 10, edges[0] * 100]
    bands = [
        _("%(low)s to %(high)s") % {"low": _number(low), "high": _number(high - 1)}
        for low, high in pairwise([below, *edges])
    ]
    bands.append(_("%(number)s or more") % {"number": _number(edges[-1])})
    return render_to_string(
        "petitions/_county_map.html",
        {
            "petition": petition,
            "rows": snapshot["by_county"],
            "as_of": datetime.fromisoformat(snapshot["by_county_as_of"]),
            "suppressed_below": below,
            "thresholds": ",".join(str(edge) for edge in edges),
            "bands": list(enumerate(bands)),
        },
    )


def _number(value: int) -> str:
    """A whole number as the active language writes it (546,651; 546.651; ...)."""
    return number_format(value, force_grouping=True)


@never_cache
@require_http_methods(["GET", "POST"])
def sign(request: HttpRequest, slug: str) -> HttpResponse:
    # The blank form's GET reads the petition this process kept a second ago; a signature, the database's.
    petition = get_object_or_404(Petition, slug=slug) if request.method == "POST" else petition_public(slug)
    if petition is None:
        raise Http404(_("No such petition."))
    legal = petition_legal_text(petition)
    if not _accepting_signatures(petition):
        return render(request, "petitions/closed.html", {"petition": petition, "legal": legal}, status=410)
    if request.method == "POST":
        form = SignatureForm(request.POST)
        if form.is_valid():
            data = signing.OnlineSignatureInput(**{k: v for k, v in form.cleaned_data.items() if k != "attest"})
            ip_hash = abuse.client_ip_hash(client_ip(request))
            # Over a limit: accepted and held for review, never refused (a refusal tells a flood's author to adapt).
            hold = abuse.signature_hold_decide(ip_hash=ip_hash, email=data.email)
            signing.signature_create_online(
                petition=petition, data=data, ip_hash=ip_hash, hold=hold, language=get_language()
            )
            return redirect("petitions:check_email", slug=petition.slug)
        return render(
            request,
            "petitions/sign.html",
            {"petition": petition, "legal": legal, "form": form, "error_summary": _error_summary(form)},
        )

    def page() -> HttpResponse:
        form_html = mark_safe(_blank_sign_form_html(get_language()))  # noqa: S308 - our HTML
        return render(request, "petitions/sign.html", {"petition": petition, "legal": legal, "form_html": form_html})

    # The blank form's page with this request's CSRF token (and its cookie, as {% csrf_token %} would set).
    html = _page_memoised(request, ("sign-page", petition.pk), page)
    return HttpResponse(html.replace(_CSRF_PLACEHOLDER.encode(), get_token(request).encode(), 1))


def _error_summary(form: SignatureForm) -> list[tuple[str, str]]:
    """The sign form's errors for the summary at its top, in the fields' order: (the field's
    id to link to, "Label: error"); a form-wide error has no field."""
    summary = [("", str(error)) for error in form.non_field_errors()]
    for field in form:
        for error in field.errors:
            summary.append((field.id_for_label, _("%(label)s: %(error)s") % {"label": field.label, "error": error}))
    return summary


#: Stands for the request's CSRF token in the blank sign form rendered once per process.
_CSRF_PLACEHOLDER = "CSRF-TOKEN-OF-THE-REQUEST"


@cache
def _blank_sign_form_html(language: str) -> str:
    """The blank sign form as crispy-forms renders it, once per process and language: only
    the CSRF token differs between requests. A form with errors is rendered afresh."""
    template = engines["django"].from_string("{% load crispy_forms_tags %}{% crispy form %}")
    html = template.render({"form": SignatureForm(), "csrf_token": _CSRF_PLACEHOLDER})
    if html.count(_CSRF_PLACEHOLDER) != 1:
        raise ValueError("the sign form must carry exactly one CSRF token")
    return html


#: How long a web process keeps its copy of the ZIP map, and browsers theirs: it changes only with a voter import.
ZIP_COUNTIES_MAX_AGE = 6 * 3600
#: This process's copy: {"": (good until (monotonic), body, ETag)}.
_zip_counties_memo: dict[str, tuple[float, bytes, str]] = {}


@cache_control(public=True, max_age=ZIP_COUNTIES_MAX_AGE)
@require_http_methods(["GET", "HEAD"])
def zip_counties(request: HttpRequest) -> HttpResponse:
    """The ZIP codes whose registered voters all live in one county, as {"95814": "34", ...}
    (models.ZipCounty, rebuilt by each voter import): the sign form's script suggests the
    county from the ZIP. One query per process per ZIP_COUNTIES_MAX_AGE; an ETag for the rest."""
    now = time.monotonic()
    kept = _zip_counties_memo.get("")
    if kept is None or kept[0] <= now:
        body = json.dumps(dict(ZipCounty.objects.values_list("zip", "county_id")), separators=(",", ":")).encode()
        kept = _zip_counties_memo[""] = (now + ZIP_COUNTIES_MAX_AGE, body, f'"{hashlib.sha256(body).hexdigest()[:32]}"')
    _, body, etag = kept
    if etag in request.headers.get("If-None-Match", ""):
        response = HttpResponse(status=304)
    else:
        response = HttpResponse(body, content_type="application/json")
    response["ETag"] = etag
    return response


def check_email(request: HttpRequest, slug: str) -> HttpResponse:
    petition = get_object_or_404(Petition, slug=slug)
    return render(request, "petitions/check_email.html", {"petition": petition, "legal": petition_legal_text(petition)})


@never_cache
@require_http_methods(["GET", "POST"])
def confirm(request: HttpRequest, slug: str, token: str) -> HttpResponse:
    """GET only shows a button: email scanners follow links. The POST confirms.
    The email's link carries the signer's language (`?lang=`): it wins, and is kept."""
    language = _language_from_link(request)
    response = _confirm(request, slug, token)
    return _language_kept(response, language) if language else response


def _confirm(request: HttpRequest, slug: str, token: str) -> HttpResponse:
    signature = signing.signature_for_token(token)
    if signature is None or signature.petition.slug != slug:
        return render(request, "petitions/confirm_invalid.html", status=404)
    legal = petition_legal_text(signature.petition)
    closed = not _accepting_signatures(signature.petition)
    if closed or _confirmation_link_expired(signature):
        return render(
            request,
            "petitions/confirm_expired.html",
            {
                "petition": signature.petition,
                "legal": legal,
                "closed": closed,
                "days": settings.CONFIRMATION_LINK_DAYS,
            },
            status=410,
        )
    if request.method == "POST":
        form = ConfirmForm(request.POST)
        if form.is_valid():
            signing.signature_confirm(signature=signature)
            return redirect(
                f"{reverse('petitions:thanks', kwargs={'slug': slug})}?form={wet_ink.form_token(signature)}"
            )
    already = signature.status != signature.Status.UNCONFIRMED
    return render(
        request,
        "petitions/confirm.html",
        {
            "petition": signature.petition,
            "legal": legal,
            "signature": signature,
            "already": already,
            **(_form_links(signature) if already and _wet_ink(signature) else {}),
            "form": ConfirmForm(),
        },
    )


def _form_links(signature: Signature) -> dict[str, str]:
    """The wet-ink form's PDF (`form_path`) and its text alternative (`form_text_path`)."""
    return {
        "form_path": _in_this_language(wet_ink.form_path(signature), signature),
        "form_text_path": _in_this_language(wet_ink.form_text_path(signature), signature),
    }


def _in_this_language(path: str, signature: Signature) -> str:
    """`path` asking for the language of the page that shows it when not the signer's own."""
    language = get_language()
    return path if language == signature.language else f"{path}?lang={language}"


def _language_from_link(request: HttpRequest) -> str:
    """A valid `?lang=` of the request, made the active language; "" when there is none."""
    language = request.GET.get("lang", "")
    if not _valid_language(language):
        return ""
    translation.activate(language)
    request.LANGUAGE_CODE = language
    return language


def _valid_language(language: str) -> bool:
    return language in dict(settings.LANGUAGES) and check_for_language(language)


def _language_kept(response: HttpResponse, language: str) -> HttpResponse:
    """Keep `language` in the language cookie, as the switcher does."""
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        samesite=cast(Literal["Lax", "Strict", "None"], settings.LANGUAGE_COOKIE_SAMESITE),
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
    )
    return response


def _confirmation_link_expired(signature) -> bool:
    """A confirmation link works CONFIRMATION_LINK_DAYS from signing: an old link in a mailbox confirms nothing."""
    return timezone.now() > signature.created_at + timedelta(days=settings.CONFIRMATION_LINK_DAYS)


def _wet_ink(signature) -> bool:
    """Whether this signature needs its wet-ink form (the petition counts online signatures only on paper)."""
    return not signature.petition.online_counts_directly and wet_ink.form_available(signature)


@never_cache
def thanks(request: HttpRequest, slug: str) -> HttpResponse:
    """After confirming: what happens next, and (wet-ink rule) the link to the signer's own form at once."""
    petition = get_object_or_404(Petition, slug=slug)
    signature = wet_ink.signature_for_form_token(request.GET.get("form", ""))
    links = _form_links(signature) if signature and signature.petition_id == petition.pk and _wet_ink(signature) else {}
    return render(
        request, "petitions/thanks.html", {"petition": petition, "legal": petition_legal_text(petition), **links}
    )


def _form_signature(request: HttpRequest, slug: str, token: str) -> Signature | HttpResponse:
    """The signature a form link names, or the page that says why there is no form."""
    signature = wet_ink.signature_for_form_token(token)
    if signature is None or signature.petition.slug != slug:
        return render(request, "petitions/form_invalid.html", status=404)
    if not wet_ink.form_available(signature):
        petition = signature.petition
        closed = {"petition": petition, "legal": petition_legal_text(petition)}
        return render(request, "petitions/closed.html", closed, status=410)
    return signature


def _form_language(request: HttpRequest, signature: Signature) -> str:
    """The language the link asks for (`?lang=`), else the one they signed in."""
    language = request.GET.get("lang", "")
    return language if _valid_language(language) else signature.language


def _private(response: HttpResponse) -> HttpResponse:
    response["X-Robots-Tag"] = "noindex"
    response["Referrer-Policy"] = "no-referrer"
    return response


@never_cache
@require_http_methods(["GET", "HEAD"])
def wet_ink_form(request: HttpRequest, slug: str, token: str) -> HttpResponse:
    """The signer's personal petition section as a PDF. Safe on GET: it changes nothing."""
    signature = _form_signature(request, slug, token)
    if isinstance(signature, HttpResponse):
        return signature  # no form: the page that says why
    response = HttpResponse(wet_ink_form_pdf(signature, language=_form_language(request, signature)))
    response["Content-Type"] = "application/pdf"
    response["Content-Disposition"] = f'inline; filename="{signature.petition.slug}-petition-form.pdf"'
    return _private(response)


@never_cache
@require_http_methods(["GET", "HEAD"])
def wet_ink_form_as_text(request: HttpRequest, slug: str, token: str) -> HttpResponse:
    """The PDF's text alternative: the same words in reading order, as a web page a screen
    reader reads, with the link to the PDF to print. Safe on GET."""
    signature = _form_signature(request, slug, token)
    if isinstance(signature, HttpResponse):
        return signature  # no form: the page that says why
    language = _form_language(request, signature)
    title, blocks = wet_ink_form_text(signature, language=language)
    with translation.override(language):
        pdf_path = _in_this_language(wet_ink.form_path(signature), signature)
        response = render(
            request,
            "petitions/form_text.html",
            {"petition": signature.petition, "title": title, "blocks": blocks, "pdf_path": pdf_path},
        )
    return _private(response)


@xframe_options_exempt
@csp_replace({"frame-ancestors": ["*"]})
@_counting_cache
def widget(request: HttpRequest, slug: str) -> HttpResponse:
    """The count for partner sites, in an iframe (docs/interfaces.md): the page's own cached
    counts, no script. The only page any site may frame; every other keeps DENY and
    frame-ancestors 'none'."""
    petition = petition_public(slug)
    if petition is None:
        raise Http404(_("No such petition."))
    return render(
        request,
        "petitions/widget.html",
        {
            "petition": petition,
            "legal": petition_legal_text(petition),
            "counts": petition_public_counts(petition),
            "accepting": _accepting_signatures(petition),
        },
    )


@never_cache
@require_http_methods(["GET"])
def set_language(request: HttpRequest) -> HttpResponse:
    """The language switcher's links: keep the choice in the language cookie and go back.

    A link rather than Django's POST-only set_language, because the pages that carry the
    switcher are cached for everyone and hold no CSRF token; the cookie is a preference,
    not a change to any data, so GET is safe."""
    language = request.GET.get("lang", "")
    target = request.GET.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = "/"
    response = redirect(target)
    return _language_kept(response, language) if _valid_language(language) else response
