"""Client IP resolution shared by events and throttles.

Only a peer inside ``APIAUTH["TRUSTED_PROXIES"]`` may vouch for another address through
``X-Forwarded-For``; the answer is the right-most hop that is not itself a trusted proxy. A client can prepend
anything it likes to the header, so hops to the left of the first untrusted one are never believed.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from django.http import HttpRequest

from django_apiauth.conf import apiauth_settings
from django_apiauth.localcache import register_memo

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
MAX_HOPS = 20  # a longer header is an attack or a loop; we stop reading there


def parse_ip(value: str | None) -> IPAddress | None:
    """Parse one address, tolerating brackets and surrounding blanks; ``None`` for anything else."""
    if not value:
        return None
    text = value.strip().strip("[]")
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


@lru_cache(maxsize=16)
def _networks(cidrs: tuple[str, ...]) -> tuple[IPNetwork, ...]:
    """Parsed proxy networks, cached by value so changing the setting needs no invalidation."""
    networks: list[IPNetwork] = []
    for cidr in cidrs:
        try:
            networks.append(ipaddress.ip_network(cidr, strict=False))
        except (TypeError, ValueError):
            continue  # reported by system check apiauth.E006
    return tuple(networks)


register_memo("client_ip.trusted_networks", _networks, size="16 proxy lists")


def _is_trusted(address: IPAddress, networks: tuple[IPNetwork, ...]) -> bool:
    return any(address.version == net.version and address in net for net in networks)


def get_client_ip(request: HttpRequest) -> str | None:
    """The client's IP as a string, or ``None`` when the peer address itself is unusable."""
    meta = request.META
    proxies = apiauth_settings.TRUSTED_PROXIES
    return client_ip_from(meta.get("REMOTE_ADDR"), meta.get("HTTP_X_FORWARDED_FOR", ""), proxies)


def client_ip_from(remote_addr: object, forwarded_for: object, trusted_proxies: tuple[str, ...]) -> str | None:
    """:func:`get_client_ip` on the raw header values: a pure function, which callers on hot paths memoise."""
    peer = parse_ip(remote_addr if isinstance(remote_addr, str) else None)
    if peer is None:
        return None
    networks = _networks(trusted_proxies)
    if not networks or not _is_trusted(peer, networks):
        return str(peer)
    closest = peer
    hops = str(forwarded_for or "").split(",")
    for raw in reversed(hops[-MAX_HOPS:]):
        hop = parse_ip(raw)
        if hop is None:
            break  # garbage: the last address we could vouch for is the best answer
        closest = hop
        if not _is_trusted(hop, networks):
            break
    return str(closest)
