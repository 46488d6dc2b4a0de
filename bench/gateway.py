"""Grant latency and session restore of the nftables gateway, in a network namespace of its own.

    sudo .venv/bin/python bench/gateway.py [--write]

For 10, 1,000 and 10,000 devices already granted, it times 200 accepts through the portal's
real request path (Flask request, neighbour table, token check, nftables transaction, SQLite)
from the request arriving to the MAC element being present in the kernel set, and, as the
reference measured in the same run, the same grants made the openNDS way: one ``nft`` process
per grant. Then it times a start that restores 10,000 sessions. Needs root (it creates and
removes a namespace named bzbench-<pid>); touches nothing outside it.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

if __package__ in (None, ""):
    # Run as a script (bench/gateway.py): make the repository importable, as `python -m` does.
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness import cpu_model, write_section

SECTION_TITLE = "## Linux gateway: grant latency and restore"
SIZES = (10, 1_000, 10_000)
SAMPLES = 200
RESTORE = 10_000


def mac(n: int) -> str:
    """A distinct locally administered unicast MAC for device ``n``."""
    return "02:" + ":".join(f"{(n >> shift) & 0xFF:02x}" for shift in (32, 24, 16, 8, 0))


def ip_of(n: int) -> str:
    return f"10.{64 + (n >> 16)}.{(n >> 8) & 0xFF}.{n & 0xFF}"


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def inside(workdir: Path) -> dict[str, object]:
    """Runs inside the namespace: every measurement, returned as JSON-ready figures."""
    os.environ.update(
        {
            "PORTAL_GATEWAY": "nftables",
            "PORTAL_LAN_INTERFACE": "lan0",
            "PORTAL_WAN_INTERFACE": "wan0",
            "PORTAL_LAN_IPV4": "10.64.0.1",
            "PORTAL_SECRET_KEY": "benchmark-secret-key-0123456789abcdef",
            "PORTAL_PORTAL_URL": "http://portal.bench",
            "PORTAL_EVENT_FLUSH_SECONDS": "5",
            "PORTAL_LOG_LEVEL": "WARNING",
        }
    )
    from portal import create_app, services
    from portal.gateway.libnft import Nft
    from portal.gateway.nftables import NftablesGateway

    results: dict[str, object] = {}
    neighbours = "\n".join(
        f"neigh replace {ip_of(n)} lladdr {mac(n)} dev lan0 nud permanent"
        for n in range(1, SAMPLES + 1)
    )
    subprocess.run(["ip", "-batch", "-"], input=neighbours.encode(), check=True)
    for size in SIZES:
        database = workdir / f"grants-{size}.sqlite3"
        os.environ["PORTAL_DATABASE"] = str(database)
        app = create_app()
        service = services.access(app)
        gateway = service.gateway
        assert isinstance(gateway, NftablesGateway)
        filler = ", ".join(f"{mac(100_000 + n)} timeout 3600s" for n in range(size))
        gateway.nft.run(f"add element inet bluezone granted {{ {filler} }}\n")
        client = app.test_client()
        checker = Nft()
        ours: list[float] = []
        for n in range(1, SAMPLES + 1):
            environ = {"REMOTE_ADDR": ip_of(n)}
            page = client.get("/", headers={"Host": "portal.bench"}, environ_base=environ)
            token = re.search(r'name="token" value="([^"]+)"', page.text)
            assert token
            start = time.perf_counter()
            answer = client.post(
                "/accept",
                data={"token": token.group(1)},
                headers={"Host": "portal.bench"},
                environ_base=environ,
            )
            ours.append(time.perf_counter() - start)
            assert answer.status_code == 303, answer.text
            # The grant's transaction has committed when the answer is sent: check it is there
            # (outside the timing; a lookup costs more than the grant itself at 10,000 devices).
            checker.run(f"get element inet bluezone granted {{ {mac(n)} }}\n")
        present = len(gateway.granted())
        assert present == size + SAMPLES, present
        per_process: list[float] = []
        for n in range(SAMPLES):
            start = time.perf_counter()
            subprocess.run(
                [
                    "nft",
                    "add",
                    "element",
                    "inet",
                    "bluezone",
                    "granted",
                    f"{{ {mac(200_000 + n)} timeout 3600s }}",
                ],
                check=True,
            )
            per_process.append(time.perf_counter() - start)
        results[str(size)] = {
            "ours_p50_ms": 1000 * statistics.median(ours),
            "ours_p99_ms": 1000 * percentile(ours, 0.99),
            "nft_process_p50_ms": 1000 * statistics.median(per_process),
            "nft_process_p99_ms": 1000 * percentile(per_process, 0.99),
        }
    database = workdir / "restore.sqlite3"
    os.environ["PORTAL_DATABASE"] = str(database)
    seed = create_app(install_gateway=False)
    store = services.access(seed).store
    now = time.time()
    for n in range(RESTORE):
        store.grant(f"mac:{mac(300_000 + n)}", "bench", 3600 + n, now=now, mac=mac(300_000 + n))
    start = time.perf_counter()
    app = create_app()
    whole = time.perf_counter() - start
    gateway = services.access(app).gateway
    # The settings above choose nftables; only that backend can list what it restored.
    assert isinstance(gateway, NftablesGateway), gateway
    restored = gateway.granted()
    assert len(restored) == RESTORE, len(restored)
    results["restore"] = {"sessions": RESTORE, "start_s": whole}
    return results


def _verdict(met: bool) -> str:
    return "met" if met else "NOT met"


def report(results: dict[str, dict[str, float]]) -> str:
    lines = [
        "| devices already granted | accept → element present p50 | p99 "
        "| one `nft` process per grant p50 | p99 | p99 ratio |",
        "|---:|---:|---:|---:|---:|---:|",
    ]
    for size in SIZES:
        row = results[str(size)]
        ratio = row["ours_p99_ms"] / row["nft_process_p99_ms"]
        lines.append(
            f"| {size:,} | {row['ours_p50_ms']:.2f} ms | {row['ours_p99_ms']:.2f} ms | "
            f"{row['nft_process_p50_ms']:.2f} ms | {row['nft_process_p99_ms']:.2f} ms "
            f"| {ratio:.2f} |"
        )
    restore = results["restore"]
    lines.append("")
    lines.append(
        f"Start with {int(restore['sessions']):,} unexpired sessions (table re-created and every "
        f"session restored, whole app start included): **{restore['start_s']:.2f} s**."
    )
    worst = max(results[str(size)]["ours_p99_ms"] for size in SIZES)
    lines.append("")
    lines.append(
        f"- grant p99 < 20 ms at 10,000 devices: {_verdict(results['10000']['ours_p99_ms'] < 20)} "
        f"(worst p99 over all sizes {worst:.2f} ms)"
    )
    lines.append(f"- restore of 10,000 sessions < 2 s: {_verdict(restore['start_s'] < 2)}")
    return "\n".join(lines)


def machine() -> str:
    nft = subprocess.run(["nft", "--version"], capture_output=True, text=True).stdout.strip()
    python = platform.python_version()
    cores = f"{os.cpu_count()} cores ({cpu_model()})"
    return f"{cores}, Linux {platform.release()}, Python {python}, {nft}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else None)
    parser.add_argument("--write", action="store_true", help="Record the results in BENCHMARKS.md.")
    parser.add_argument("--inside", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.inside:
        print(json.dumps(inside(args.inside)))
        return 0
    if os.geteuid() != 0:
        print("bench/gateway.py needs root (it creates a network namespace)", file=sys.stderr)
        return 2
    name = f"bzbench-{os.getpid()}"
    subprocess.run(["ip", "netns", "add", name], check=True)
    try:
        subprocess.run(
            ["ip", "-n", name, "link", "add", "lan0", "type", "veth", "peer", "name", "wan0"],
            check=True,
        )
        subprocess.run(["ip", "-n", name, "link", "set", "lan0", "up"], check=True)
        subprocess.run(
            ["ip", "-n", name, "address", "add", "10.64.0.1/10", "dev", "lan0"], check=True
        )
        with tempfile.TemporaryDirectory() as workdir:
            done = subprocess.run(
                ["ip", "netns", "exec", name, sys.executable, __file__, "--inside", workdir],
                capture_output=True,
                text=True,
                timeout=600,
            )
        if done.returncode != 0:
            print(done.stderr, file=sys.stderr)
            return 1
        results = json.loads(done.stdout.strip().splitlines()[-1])
    finally:
        subprocess.run(["ip", "netns", "del", name], check=False)
    text = report(results)
    print(text)
    if args.write:
        section = (
            f"{SECTION_TITLE}\n\n"
            "Command: `sudo .venv/bin/python bench/gateway.py --write` "
            f"({time.strftime('%Y-%m-%d')}; "
            f"{machine()}).\n\n{text}\n\n"
            "openNDS, measured on a machine like this one (see the captive-portal reference): "
            "`ndsctl auth` 0.6 s with no other client, 0.8 s with 100.\n"
        )
        write_section(section, SECTION_TITLE)
    return 0


if __name__ == "__main__":
    sys.exit(main())
