"""Signing abuse, handled as the UK petitions site learned: a signature over a
limit is accepted and recorded, then quietly held for a person to review;
nobody is refused, so a flood tells its author nothing.

The counters live in the cache (Redis) as fixed windows. They fail open: a
limiter that cannot reach the cache lets the signature through unheld rather
than cost a real signer their signature.
"""

from __future__ import annotations

import ipaddress
import logging

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone
from django.utils.crypto import salted_hmac

from petitions.models import Signature

logger = logging.getLogger(__name__)

Hold = Signature.Hold


def client_address_group(ip: str) -> str:
    """The unit one client is limited and trended by: an IPv4 address, or an
    IPv6 /64 (one home or phone gets a whole /64 and can pick any address in it)."""
    try:
        address = ipaddress.ip_address((ip or "").strip().strip("[]"))
    except ValueError:
        return "unknown"
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((address, 64), strict=False))
    return str(address)


def client_ip_hash(ip: str) -> str:
    """A keyed hash of the client's address group: enough to rate-limit and spot trends, not to identify."""
    return salted_hmac("calexit.client-ip", client_address_group(ip), algorithm="sha256").hexdigest()


def email_normalise(email: str) -> str:
    return (email or "").strip().lower()


def email_hash(email: str) -> str:
    """A keyed hash of the normalised email: the cache holds counters, never addresses."""
    return salted_hmac("calexit.sign-email", email_normalise(email), algorithm="sha256").hexdigest()


def _window_name(prefix: str, key: str, window: int) -> str:
    """The cache key of the current fixed window of `window` seconds."""
    return f"{prefix}:{key}:{window}:{int(timezone.now().timestamp()) // window}"


def _window_count(prefix: str, key: str, window: int) -> int:
    """Add one to this window's counter and return it. Raises whatever the cache raises."""
    name = _window_name(prefix, key, window)
    cache.add(name, 0, timeout=window + 5)
    try:
        return cache.incr(name)
    except ValueError:  # expired between add and incr
        cache.set(name, 1, timeout=window + 5)
        return 1


def _over(prefix: str, key: str, rate: tuple[int, int] | None) -> bool:
    if rate is None:
        return False
    limit, window = rate
    return _window_count(prefix, key, window) > limit


def signature_hold_decide(*, ip_hash: str, email: str) -> str:
    """Count one accepted signature against SIGN_RATE_LIMIT (its client address)
    and SIGN_EMAIL_RATE_LIMIT (its email); return the hold it gets: '' under
    both, else `address_rate` or `email_rate`. Call it only once the form is
    valid, so that a mistyped form costs nothing. Fails open."""
    try:
        over_address = _over("sign-rate", ip_hash, settings.SIGN_RATE_LIMIT)
        over_email = _over("sign-email-rate", email_hash(email), settings.SIGN_EMAIL_RATE_LIMIT)
    except Exception as exc:  # noqa: BLE001 - any cache failure: let the signature through, never a 500
        logger.warning("signing limits not checked, the cache failed (%s): signature accepted unheld", exc)
        return Hold.NONE
    if over_address:
        return Hold.ADDRESS_RATE
    if over_email:
        return Hold.EMAIL_RATE
    return Hold.NONE


def confirmation_email_allowed(*, email: str) -> bool:
    """Take one of the CONFIRMATION_EMAIL_LIMIT emails this address may get in
    the window; False once it is spent, so that the sign form cannot flood
    someone's inbox. Fails open."""
    rate = settings.CONFIRMATION_EMAIL_LIMIT
    try:
        return not _over("confirm-email", email_hash(email), rate)
    except Exception as exc:  # noqa: BLE001 - any cache failure: send the email
        logger.warning("confirmation email cap not checked, the cache failed (%s): sending", exc)
        return True


def confirmation_email_release(*, email: str) -> None:
    """Give back the slot taken by confirmation_email_allowed when the email could not be sent."""
    rate = settings.CONFIRMATION_EMAIL_LIMIT
    if rate is None:
        return
    try:
        cache.decr(_window_name("confirm-email", email_hash(email), rate[1]))
    except Exception as exc:  # noqa: BLE001 - the window ended, or the cache is down: nothing to give back
        logger.info("confirmation email slot not given back (%s)", exc)
