"""An unexpected error shows a page of ours: "try again in a moment" (503) when the database
cannot be reached, a plain apology (500) otherwise, never a trace."""

import pytest
from django.db import OperationalError
from django.test import Client

from petitions.views import public

pytestmark = pytest.mark.django_db


@pytest.fixture
def browser(settings):
    settings.DEBUG = False
    return Client(raise_request_exception=False)


def test_a_database_that_cannot_be_reached_answers_503_try_again(browser, monkeypatch):
    def down(slug):
        raise OperationalError('connection to server at "db" failed: Connection refused')

    monkeypatch.setattr(public, "petition_public", down)

    response = browser.get("/p/calexit/")

    assert response.status_code == 503
    assert response["Retry-After"] == "10"
    page = response.content.decode()
    assert "Please try again in a moment" in page
    assert "Connection refused" not in page and "Traceback" not in page


def test_any_other_error_answers_500_without_details(browser, monkeypatch):
    def broken(slug):
        raise ValueError("a secret detail")

    monkeypatch.setattr(public, "petition_public", broken)

    response = browser.get("/p/calexit/")

    assert response.status_code == 500
    page = response.content.decode()
    assert "Something went wrong" in page
    assert "secret detail" not in page
