"""The ``nftables`` backend: the portal's own Linux gateway lets granted devices through.

The portal owns one table (``deploy/nftables/bluezone.nft``, rendered with the configuration).
Granted devices are elements of a set of MAC addresses with per-element timeouts equal to the
session length, so the kernel ends each session by itself, on time, even if the portal is down.
Every change is one nftables transaction through libnftables (no process per client); a revoke
also deletes the device's conntrack entries so its open connections stop at once.
"""

from __future__ import annotations

import ipaddress
import logging
import socket
import string
import subprocess
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..config import PortalConfig
from ..sessions.client import MAC, Client, normalise_mac
from ..sessions.neighbours import addresses_of
from ..sessions.store import Session
from .base import GatewayError
from .libnft import Nft

log = logging.getLogger(__name__)

TEMPLATE = Path(__file__).resolve().parents[2] / "deploy" / "nftables" / "bluezone.nft"
_MASQUERADE = """
	chain postrouting {{
		type nat hook postrouting priority srcnat; policy accept;
		oifname "{wan}" masquerade
	}}
"""


@dataclass(frozen=True)
class Garden:
    """The walled garden split by address family, as nftables interval elements."""

    ipv4: tuple[str, ...]
    ipv6: tuple[str, ...]


def resolve_garden(
    entries: Sequence[str],
    resolve: Callable[[str], list[str]] | None = None,
) -> Garden:
    """Addresses and networks of the walled garden; host names are resolved now.

    A name that does not resolve is logged and skipped: the gateway must come up anyway.
    """
    resolve = resolve or _resolve
    ipv4: set[str] = set()
    ipv6: set[str] = set()
    for entry in entries:
        try:
            networks = [ipaddress.ip_network(entry, strict=False)]
        except ValueError:
            addresses = resolve(entry)
            if not addresses:
                log.warning("walled garden: %s does not resolve; skipped", entry)
            networks = [ipaddress.ip_network(a) for a in addresses]
        for network in networks:
            (ipv4 if network.version == 4 else ipv6).add(str(network))
    return Garden(tuple(sorted(ipv4)), tuple(sorted(ipv6)))


def _resolve(name: str) -> list[str]:
    try:
        infos = socket.getaddrinfo(name, None, proto=socket.IPPROTO_TCP)
    except OSError:
        return []
    return sorted({str(info[4][0]) for info in infos})


def _elements(values: Sequence[str]) -> str:
    return f"elements = {{ {', '.join(values)} }}" if values else ""


def _checked(mac: str) -> str:
    try:
        return normalise_mac(mac)
    except ValueError as exc:
        raise GatewayError(str(exc)) from None


class NftablesGateway:
    """Grants access by adding the device's MAC to the portal's nftables set."""

    name = "nftables"
    needs_mac = True

    def __init__(
        self,
        table: str,
        lan: str,
        lan_ipv4: str,
        lan_ipv6: str,
        redirect_port: int,
        wan: str = "",
        masquerade: bool = False,
        garden: Garden = Garden((), ()),
        nft: Nft | None = None,
        template: Path = TEMPLATE,
    ) -> None:
        self.table = table
        self.lan = lan
        self.lan_ipv4 = lan_ipv4
        self.lan_ipv6 = lan_ipv6
        self.redirect_port = redirect_port
        self.wan = wan
        self.masquerade = masquerade
        self.garden = garden
        self.nft = nft or Nft()
        self.template = template
        self.sys_class_net = Path("/sys/class/net")

    @classmethod
    def from_config(cls, config: PortalConfig) -> NftablesGateway:
        """The backend for the portal's configuration (already validated)."""
        return cls(
            table=config.nft_table,
            lan=config.lan_interface,
            lan_ipv4=config.lan_ipv4,
            lan_ipv6=config.lan_ipv6,
            redirect_port=config.redirect_port,
            wan=config.wan_interface,
            masquerade=config.masquerade,
            garden=resolve_garden(config.walled_garden),
        )

    def ruleset(self) -> str:
        """The table as nftables text, from the template and the configuration."""
        try:
            source = self.template.read_text(encoding="utf-8")
        except OSError as exc:
            raise GatewayError(
                f"cannot read the nftables template {self.template}: {exc}"
            ) from None
        text = string.Template(source).substitute(
            table=self.table,
            lan=self.lan,
            lan_ipv4=self.lan_ipv4,
            lan_ipv6=self.lan_ipv6 or "::1",
            redirect_port=self.redirect_port,
            garden4=_elements(self.garden.ipv4),
            garden6=_elements(self.garden.ipv6),
            masquerade_chain=_MASQUERADE.format(wan=self.wan) if self.masquerade else "",
        )
        if not self.lan_ipv6:
            # Without an IPv6 address on the guest side there is nothing to redirect to: a
            # captive device's IPv6 traffic is simply dropped by the forward chain.
            text = "\n".join(line for line in text.splitlines() if "dnat ip6 to" not in line)
        return text

    def install(self, sessions: Sequence[Session]) -> int:
        """Re-create the table and restore ``sessions`` in one transaction; how many were.

        Creating the table before deleting it makes the delete safe when it does not exist yet;
        because it is one transaction, a device never sees a moment without its grant. A
        misspelt interface is refused: every rule is tied to it, so the gate would stand open.
        """
        for role, interface in (("lan_interface", self.lan), ("wan_interface", self.wan)):
            if interface and not (self.sys_class_net / interface).exists():
                raise GatewayError(f"{role}: there is no network interface {interface!r} here")
        now = time.time()
        elements = [
            f"{s.mac} timeout {int(s.expires_at - now)}s"
            for s in sessions
            if s.mac and MAC.match(s.mac) and s.expires_at - now >= 1
        ]
        batch = [f"add table inet {self.table}", f"delete table inet {self.table}", self.ruleset()]
        if elements:
            batch.append(f"add element inet {self.table} granted {{ {', '.join(elements)} }}")
        self.nft.run("\n".join(batch) + "\n")
        log.info("nftables table %s installed, %d sessions restored", self.table, len(elements))
        return len(elements)

    def grant(self, client: Client, seconds: int) -> None:
        """Add the client's MAC with a ``seconds`` timeout (replacing any earlier one)."""
        if not client.mac:
            raise GatewayError(
                f"no MAC address for {client.ip}: the portal must be on the guests' network"
            )
        self.grant_mac(client.mac, seconds)

    def grant_mac(self, mac: str, seconds: int) -> None:
        """Grant ``mac`` for ``seconds``; an existing element gets the new timeout.

        Connections the device opened while captive stay redirected to the portal (a browser
        keeps spare ones open); the table resets them once the device is granted, so this is
        one transaction and nothing more.
        """
        mac = _checked(mac)
        element = f"add element inet {self.table} granted {{ {mac} }}"
        self.nft.run(
            f"{element}\n"
            f"delete element inet {self.table} granted {{ {mac} }}\n"
            f"add element inet {self.table} granted {{ {mac} timeout {int(seconds)}s }}\n"
        )

    def revoke(self, client: Client) -> None:
        """Remove the client's MAC and cut its open connections."""
        if client.mac:
            self.revoke_mac(client.mac)

    def revoke_mac(self, mac: str) -> None:
        """Remove ``mac`` from the set (if present) and delete its conntrack entries."""
        mac = _checked(mac)
        self.nft.run(
            f"add element inet {self.table} granted {{ {mac} }}\n"
            f"delete element inet {self.table} granted {{ {mac} }}\n"
        )
        for address in addresses_of(mac):
            _forget_connections(address)

    def granted(self) -> list[tuple[str, int]]:
        """``(mac, seconds left)`` for every device the kernel lets through now."""
        for item in self.nft.json(f"list set inet {self.table} granted"):
            entries = item.get("set", {}).get("elem")
            if entries is None:
                continue
            result = []
            for entry in entries:
                elem = entry.get("elem", entry) if isinstance(entry, dict) else {"val": entry}
                result.append((str(elem.get("val")), int(elem.get("expires", 0))))
            return sorted(result)
        return []

    def status(self) -> dict[str, Any]:
        """Table name, interfaces, binding in use and how many devices are granted."""
        return {
            "backend": self.name,
            "enforcing": True,
            "table": f"inet {self.table}",
            "lan_interface": self.lan,
            "wan_interface": self.wan,
            "masquerade": self.masquerade,
            "redirect": f"{self.lan_ipv4}:{self.redirect_port}",
            "walled_garden": [*self.garden.ipv4, *self.garden.ipv6],
            "nft": self.nft.backend,
            "granted": len(self.granted()),
        }


def _forget_connections(address: str) -> None:
    """Delete conntrack entries from and to ``address`` (argument lists, never a shell)."""
    for selection in (["--orig-src", address], ["--orig-dst", address]):
        try:
            subprocess.run(
                ["conntrack", "-D", *selection], capture_output=True, timeout=5, check=False
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            log.warning("could not delete conntrack entries of %s: %s", address, exc)
