"""Which address a signature is counted against: the client's, never a proxy's or a forged one."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from django.http import HttpRequest
from django.test import RequestFactory

from petitions.client_ip import client_ip
from tests.conftest import ROOT

PROXY = "10.0.0.5"


def _request(remote_addr: str, forwarded_for: str | None = None) -> HttpRequest:
    headers = {} if forwarded_for is None else {"X-Forwarded-For": forwarded_for}  # as HTTP_X_FORWARDED_FOR
    return RequestFactory().post("/p/calexit/sign/", headers=headers, REMOTE_ADDR=remote_addr)


def test_without_a_proxy_the_client_is_the_connecting_address(settings):
    settings.TRUSTED_PROXIES = []

    assert client_ip(_request("203.0.113.9")) == "203.0.113.9"


def test_without_a_proxy_a_forwarded_for_header_written_by_the_client_is_ignored(settings):
    settings.TRUSTED_PROXIES = []

    assert client_ip(_request("203.0.113.9", "6.6.6.6")) == "203.0.113.9"


def test_behind_a_trusted_proxy_the_client_is_the_address_the_proxy_saw(settings):
    settings.TRUSTED_PROXIES = [PROXY]

    assert client_ip(_request(PROXY, "203.0.113.9")) == "203.0.113.9"


def test_an_address_the_client_wrote_in_front_of_the_proxys_is_not_believed(settings):
    settings.TRUSTED_PROXIES = [PROXY]

    assert client_ip(_request(PROXY, "6.6.6.6, 203.0.113.9")) == "203.0.113.9"


def test_a_chain_of_trusted_proxies_is_walked_from_the_right(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]

    assert client_ip(_request("10.0.0.5", "6.6.6.6, 203.0.113.9, 10.1.2.3, 10.0.0.7")) == "203.0.113.9"


def test_a_request_that_does_not_come_from_a_trusted_proxy_cannot_claim_an_address(settings):
    settings.TRUSTED_PROXIES = [PROXY]

    assert client_ip(_request("198.51.100.7", "6.6.6.6")) == "198.51.100.7"


def test_a_trusted_proxy_without_a_forwarded_for_header_is_the_client(settings):
    settings.TRUSTED_PROXIES = [PROXY]

    assert client_ip(_request(PROXY)) == PROXY


def test_when_every_hop_is_a_trusted_proxy_the_left_most_one_is_the_client(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]

    assert client_ip(_request("10.0.0.5", "10.9.9.9, 10.1.1.1")) == "10.9.9.9"


def test_entries_that_are_not_addresses_are_skipped(settings):
    settings.TRUSTED_PROXIES = ["not-an-address", PROXY]

    assert client_ip(_request(PROXY, "203.0.113.9, unknown, ")) == "203.0.113.9"


@pytest.mark.parametrize(
    ("proxies", "remote", "forwarded", "expected"),
    [
        (["2001:db8::/32"], "2001:db8::1", "2001:db8:ffff::2, 2a00:1450::7", "2a00:1450::7"),
        (["::1"], "::1", "6.6.6.6, [2a00:1450::7]", "2a00:1450::7"),
        (["127.0.0.1"], "::ffff:127.0.0.1", "203.0.113.9", "203.0.113.9"),
    ],
)
def test_ipv6_proxies_and_clients(settings, proxies, remote, forwarded, expected):
    settings.TRUSTED_PROXIES = proxies

    assert client_ip(_request(remote, forwarded)) == expected


def _settings_read_with(trusted_proxies: str) -> subprocess.CompletedProcess:
    """A fresh process reads the settings with this TRUSTED_PROXIES, as the site does when it starts."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "calexit.settings", "TRUSTED_PROXIES": trusted_proxies}
    return subprocess.run(
        [sys.executable, "-c", "from django.conf import settings; print(settings.TRUSTED_PROXIES)"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_a_bad_trusted_proxies_setting_stops_the_site_from_starting():
    good = _settings_read_with("10.0.0.0/8, ::1")
    assert (good.returncode, good.stdout.strip()) == (0, "['10.0.0.0/8', '::1']"), good.stderr
    bad = _settings_read_with("10.0.0.0/8,10.0.0.300")
    assert bad.returncode != 0
    assert "ImproperlyConfigured: TRUSTED_PROXIES must be addresses or CIDR networks" in bad.stderr, bad.stderr
    assert "'10.0.0.300'" in bad.stderr
