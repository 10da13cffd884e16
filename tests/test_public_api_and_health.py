"""The public API, /healthz and the dashboard's doors."""

import re
from urllib.parse import quote

import pytest
from django.db.utils import DatabaseError

from petitions.models import Tally
from petitions.selectors import public_memo_clear
from petitions.services.tallies import tallies_count
from petitions.validation.validate import signature_validate
from tests.factories import SignatureFactory, VoterFactory

pytestmark = pytest.mark.django_db


def test_the_api_reads_the_tallies_and_is_cacheable_for_the_counting_interval(client, calexit, settings):
    VoterFactory()
    signature = SignatureFactory()
    signature_validate(signature_id=signature.pk)

    before = client.get("/api/petitions/calexit.json")
    tallies_count()
    after = client.get("/api/petitions/calexit.json").json()

    assert before.json()["counts"]["pledged"] == 0  # rows are not counted on page view
    assert after["counts"]["pledged"] == 1
    assert before["Cache-Control"] == f"public, max-age={settings.COUNT_INTERVAL}"
    assert set(after) == {
        "slug",
        "title",
        "required",
        "deadline",
        "counts",
        "by_county",
        "updated_at",
        "by_county_as_of",
        "suppressed_below",
    }
    assert (after["slug"], after["required"]) == ("calexit", 546651)
    assert len(after["by_county"]) == 58
    assert set(after["by_county"][0]) == {
        "code",
        "name",
        "raw",
        "valid",
        "invalid",
        "duplicate",
        "review",
        "pending",
        "pledged",
    }


def test_the_api_answers_404_for_an_unknown_petition(client):
    assert client.get("/api/petitions/nope.json").status_code == 404


def test_the_home_page_shows_the_featured_petition(client):
    page = client.get("/").content.decode()
    assert "Should California separate from the United States" in page
    assert "546,651" in page


def test_healthz_is_200_when_the_database_answers(client, settings):
    settings.REDIS_URL = None
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


def test_healthz_is_503_when_the_broker_does_not_answer(client, settings):
    settings.REDIS_URL = "redis://127.0.0.1:9/0"
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["broker"] == "down"


def test_healthz_is_503_when_the_database_does_not_answer(client, monkeypatch):
    from petitions.views import health

    def broken_cursor():
        raise DatabaseError("connection refused")

    monkeypatch.setattr(health.connection, "cursor", broken_cursor)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"] == "down"


def test_the_dashboard_asks_for_a_login(client):
    response = client.get("/dashboard/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_a_signed_in_user_without_a_campaign_role_is_refused(client, django_user_model):
    client.force_login(django_user_model.objects.create_user("stranger", password="x" * 12))
    assert client.get("/dashboard/").status_code == 403


def test_a_volunteer_sees_progress_and_the_county_table_and_downloads_the_counts(client, volunteer, calexit):
    VoterFactory()
    signature_validate(signature_id=SignatureFactory().pk)
    tallies_count()
    client.force_login(volunteer)

    page = client.get("/dashboard/").content.decode()
    assert "546,651" in page and 'id="county-table"' in page and "Sacramento" in page
    download = client.get("/dashboard/p/calexit/counts.csv")
    body = b"".join(download.streaming_content).decode()
    assert download["Content-Disposition"].startswith('attachment; filename="calexit-counts-')
    assert body.splitlines()[0].startswith("county_code,county,raw,valid,invalid,duplicate,review,pending,pledged,")
    assert "\n34,Sacramento,0,0,0,0,0,0,1," in body


def test_the_dashboard_says_when_the_25_percent_notice_is_due(client, volunteer, calexit):
    calexit.required_signatures = 8  # 25 % = 2
    calexit.online_counts_directly = True
    calexit.save()
    client.force_login(volunteer)
    assert 'id="notice-25"' not in client.get("/dashboard/").content.decode()
    VoterFactory()
    for _ in range(2):
        signature_validate(signature_id=SignatureFactory().pk)
    tallies_count()
    assert 'id="notice-25"' in client.get("/dashboard/").content.decode()


def test_a_poller_holding_the_counts_gets_304_until_a_counting_run_changes_them(client, calexit):
    first = client.get("/api/petitions/calexit.json")
    etag = first["ETag"]

    again = client.get("/api/petitions/calexit.json", HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304
    assert again.content == b""

    SignatureFactory(status="valid")
    tallies_count()  # the counting run stores the new counts; this process forgets what it kept
    changed = client.get("/api/petitions/calexit.json", HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200
    assert changed["ETag"] != etag
    assert changed.json()["counts"]["pledged"] == 1


def test_the_public_counts_are_those_of_the_last_counting_run(client, calexit):
    SignatureFactory(status="valid")
    tallies_count()
    Tally.objects.filter(petition=calexit).update(count=500)  # tallies written since (the next run would publish)
    public_memo_clear()

    assert client.get("/api/petitions/calexit.json").json()["counts"]["pledged"] == 1


def test_with_the_cache_unreachable_the_counts_come_from_the_tallies(client, calexit, settings):
    SignatureFactory(status="valid")
    tallies_count()
    settings.CACHES = {  # nothing listens on port 9: every cache call fails at once
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:9/0",
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    public_memo_clear()

    response = client.get("/api/petitions/calexit.json")

    assert response.status_code == 200
    assert response.json()["counts"]["pledged"] == 1
    assert client.get("/p/calexit/").status_code == 200


def test_the_sign_form_rendered_once_carries_each_visitors_own_csrf_token(calexit):
    from django.test import Client

    from tests.factories import SIGN_FORM

    tokens = []
    for _ in range(2):
        browser = Client(enforce_csrf_checks=True)
        page = browser.get("/p/calexit/sign/").content.decode()
        (token,) = re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        tokens.append(token)
        assert page.count('name="email"') == 1
        response = browser.post("/p/calexit/sign/", {**SIGN_FORM, "csrfmiddlewaretoken": token})
        assert response.status_code == 302  # the token in the shared form is this visitor's
    assert tokens[0] != tokens[1]


@pytest.mark.parametrize("path", ["/", "/p/calexit/", "/p/calexit/?utm_source=mailing", "/p/calexit/sign/"])
def test_a_public_page_kept_by_the_process_is_the_page_it_would_render(client, calexit, path):
    """The petition page and the blank sign form are rendered once per memo window (views.public):
    what a later visitor gets is what a fresh render gives, but for their own CSRF token, with the
    language switcher linking back to their own path."""

    def without_token(html: str) -> str:
        return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)

    fresh = client.get(path).content.decode()
    kept = client.get(path).content.decode()
    public_memo_clear()
    again = client.get(path).content.decode()

    assert without_token(kept) == without_token(fresh) == without_token(again)
    assert f"next={quote(path, safe='/')}" in kept
    other = f"{path}{'&' if '?' in path else '?'}ref=other"
    assert f"next={quote(other, safe='/')}" in client.get(other).content.decode()


def test_a_public_page_with_a_message_to_show_is_rendered_for_its_request(rf, calexit):
    from django.contrib import messages
    from django.contrib.messages.storage.fallback import FallbackStorage
    from django.contrib.sessions.backends.signed_cookies import SessionStore

    from petitions.views.public import petition_detail

    def request(message: str = ""):
        request = rf.get("/p/calexit/")
        request.session = SessionStore()
        request._messages = FallbackStorage(request)
        if message:
            messages.info(request, message)
        return request

    assert "You have signed out." not in petition_detail(request(), slug="calexit").content.decode()
    assert "You have signed out." in petition_detail(request("You have signed out."), slug="calexit").content.decode()
    assert "You have signed out." not in petition_detail(request(), slug="calexit").content.decode()
