"""The site in production mode behind a TLS-terminating proxy, for the tests that need it
(tests/test_production_tls.py, tests/test_production_journey.py).

gunicorn runs the compose web command with DEBUG off (tests/compose.py) behind
tests/tls_proxy.py, which decrypts and adds X-Forwarded-For / X-Forwarded-Proto as
nginx does. A test module imports the fixtures by their function names; pytest knows
them as `server` (one per module) and `site`:

    from tests.production import HOST, fixture_server, fixture_site  # noqa: F401
"""

from __future__ import annotations

import secrets

import pytest

from tests.compose import production_env, running_web
from tests.tls_proxy import self_signed_certificate, tls_proxy

HOST = "petition.test"
SECRET_KEY = "production-tls-test-" + secrets.token_urlsafe(48)


@pytest.fixture(scope="module", name="server")
def fixture_server(tmp_path_factory, django_db_setup):
    """gunicorn in production mode behind the TLS proxy; yields (proxy port, gunicorn port, CA file)."""
    tmp_path = tmp_path_factory.mktemp("production-tls")
    cert, key = self_signed_certificate(tmp_path, HOST)
    env = production_env(
        tmp_path / "staticfiles",
        SECRET_KEY=SECRET_KEY,
        INSECURE_LOCAL_HTTP="0",
        SITE_URL=f"https://{HOST}",
        ALLOWED_HOSTS=f"127.0.0.1,{HOST}",  # as the compose file: 127.0.0.1 for the healthcheck
        TRUSTED_PROXIES="127.0.0.1",
        SIGN_RATE_LIMIT="off",
    )
    with (
        running_web(env, tmp_path / "gunicorn.log") as (_, web_port),
        tls_proxy(upstream=("127.0.0.1", web_port), cert=cert, key=key) as proxy_port,
    ):
        yield proxy_port, web_port, cert


@pytest.fixture(name="site")
def fixture_site(server, settings):
    settings.SECRET_KEY = SECRET_KEY  # the test's hashes and sessions are the server's
    return server
