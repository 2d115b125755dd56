"""SSRF guard: which addresses framewatch may connect to.

A feed is attacker-controlled input: its links, and the redirects of any
server we follow, can point at 127.0.0.1, the cloud metadata service
(169.254.169.254) or a database on the office network. The check runs on the
*resolved* address at connect time (see `extractors.net`), never on the URL
string, because the string has too many spellings: `127.1`, `0x7f000001`,
`2130706433`, `017700000001`, `[::ffff:127.0.0.1]`, or a DNS name that
resolves to 10.0.0.5 (and may resolve differently a second later: DNS
rebinding). We connect to exactly the address we checked.
"""
from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Iterable
from dataclasses import dataclass

ALLOWED_SCHEMES = ("http", "https")

# Ranges Python's `is_global` does not already exclude, or that we want named
# explicitly so the policy reads like the issue: CGNAT (RFC 6598) is neither
# private nor global in the stdlib's eyes on every version.
_EXTRA_BLOCKED = [
    ipaddress.ip_network("100.64.0.0/10"),  # CGNAT: carrier-grade NAT, internal to an ISP/cloud
    ipaddress.ip_network("0.0.0.0/8"),  # "this network": 0.0.0.0 connects to localhost on Linux
    ipaddress.ip_network("192.0.0.0/24"),  # IETF protocol assignments
    ipaddress.ip_network("198.18.0.0/15"),  # benchmarking
    ipaddress.ip_network("64:ff9b::/96"),  # NAT64: embeds an IPv4 address we would not check
    ipaddress.ip_network("64:ff9b:1::/48"),
    ipaddress.ip_network("2002::/16"),  # 6to4: embeds an IPv4 address
]


class SSRFBlocked(Exception):
    """A connection was refused by the address policy (reason code `ssrf_blocked`)."""


class DNSFailure(Exception):
    """The host name did not resolve (reason code `dns_error`)."""


def _unwrap(ip: ipaddress.IPv4Address | ipaddress.IPv6Address):
    """The IPv4 address hidden inside IPv4-mapped / compatible IPv6 forms."""
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return ip.ipv4_mapped
        if ip.sixtofour is not None:
            return ip.sixtofour
        # ::a.b.c.d (deprecated IPv4-compatible form)
        if int(ip) >> 32 == 0 and int(ip) > 1:
            return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return ip


def blocked_reason(address: str) -> str | None:
    """Why connecting to this IP literal is refused, or None if it is a public address."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])  # drop an IPv6 zone id
    except ValueError:
        return f"not an IP address: {address!r}"
    inner = _unwrap(ip)
    for candidate in {ip, inner}:
        for label, test in (
            ("loopback", candidate.is_loopback),
            ("private", candidate.is_private),
            ("link-local", candidate.is_link_local),
            ("multicast", candidate.is_multicast),
            ("reserved", candidate.is_reserved),
            ("unspecified", candidate.is_unspecified),
        ):
            if test:
                return f"{label} address {candidate}"
        if any(candidate in net for net in _EXTRA_BLOCKED if net.version == candidate.version):
            return f"reserved/CGNAT address {candidate}"
        if not candidate.is_global:
            return f"non-global address {candidate}"
    return None


def _system_resolve(host: str, port: int) -> list[str]:
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [info[4][0] for info in infos]


@dataclass(frozen=True)
class AddressPolicy:
    """Refuse non-public addresses unless the host is allow-listed.

    `allow_hosts` entries are a host name or IP literal, optionally with
    `:port` (`127.0.0.1:8080`). They match the host *as written in the URL*,
    so allow-listing `127.0.0.1` does not let `127.1` or `localhost` through:
    the exception is for one known server, not for loopback in general.
    """

    allow_hosts: frozenset[str] = frozenset()
    resolver: Callable[[str, int], Iterable[str]] = _system_resolve

    def is_allow_listed(self, host: str, port: int | None) -> bool:
        h = host.strip("[]").lower().rstrip(".")
        names = {h, f"{h}:{port}", f"[{h}]:{port}"}
        return any(a.lower() in names for a in self.allow_hosts)

    def resolve_checked(self, host: str, port: int) -> list[str]:
        """The addresses to connect to, every one checked; raises SSRFBlocked / DNSFailure."""
        try:
            addrs = list(dict.fromkeys(self.resolver(host.strip("[]"), port)))
        except (socket.gaierror, UnicodeError, OSError) as exc:
            raise DNSFailure(f"{host}: {exc}") from exc
        if not addrs:
            raise DNSFailure(f"{host}: no address")
        if self.is_allow_listed(host, port):
            return addrs
        # Refuse if *any* answer is internal: a name answering both a public
        # and a private address is a rebinding attempt, not a CDN.
        for a in addrs:
            reason = blocked_reason(a)
            if reason:
                raise SSRFBlocked(f"{host}:{port} resolves to {reason}")
        return addrs


def scheme_allowed(url_scheme: str) -> bool:
    return url_scheme.lower() in ALLOWED_SCHEMES
