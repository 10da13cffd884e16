"""The client's address, as seen by the first proxy we trust.

Behind a proxy REMOTE_ADDR is the proxy. Each proxy appends the address it saw
to X-Forwarded-For, so the header is read from the right: the first address
that is not one of our TRUSTED_PROXIES is the client. Everything left of it was
written by the client and is never believed.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from django.conf import settings
from django.http import HttpRequest

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def parse_networks(entries: list[str] | tuple[str, ...]) -> tuple[IPNetwork, ...]:
    """Addresses or CIDR networks ('10.0.0.0/8', '::1'); a blank or invalid entry is skipped."""
    networks = []
    for entry in entries:
        try:
            networks.append(ipaddress.ip_network(entry.strip(), strict=False))
        except ValueError:
            continue
    return tuple(networks)


@lru_cache(maxsize=8)
def _trusted(entries: tuple[str, ...]) -> tuple[IPNetwork, ...]:
    return parse_networks(entries)


def _address(value: str) -> IPAddress | None:
    """'203.0.113.9', '2001:db8::1' or '[2001:db8::1]'; None when it is not an address."""
    try:
        return ipaddress.ip_address(value.strip().strip("[]"))
    except ValueError:
        return None


def _is_trusted(address: IPAddress, networks: tuple[IPNetwork, ...]) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    return any(address in network for network in networks)


def from_trusted_proxy(request: HttpRequest) -> bool:
    """Whether the connection comes from one of TRUSTED_PROXIES (so its X-Forwarded-* headers are believed)."""
    networks = _trusted(tuple(settings.TRUSTED_PROXIES))
    address = _address(request.META.get("REMOTE_ADDR", ""))
    return bool(networks) and address is not None and _is_trusted(address, networks)


def client_ip(request: HttpRequest) -> str:
    """The client's address: REMOTE_ADDR, or, when REMOTE_ADDR is a trusted proxy, the
    right-most X-Forwarded-For address that is not a trusted proxy."""
    remote = request.META.get("REMOTE_ADDR", "")
    if not from_trusted_proxy(request):
        return remote
    networks = _trusted(tuple(settings.TRUSTED_PROXIES))
    client = _address(remote)
    for entry in reversed(request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")):
        address = _address(entry)
        if address is None:
            continue
        client = address
        if not _is_trusted(address, networks):
            break
    return str(client)
