"""The shipped deployment files pass the real tools' checks: `nginx -t` for the nginx sites
(rendered for a private prefix: `tests.nginx`), `systemd-analyze verify` for every unit
(templated ones as instances, the kiosk's as a user unit), `dnsmasq --test` for the guest
network's file and `bash -n` for the scripts. Each check is shown to fail on a broken file."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT, require_tool
from tests.nginx import Nginx, Ports, certificate, portal_config, render, signage_config

UNITS = ROOT / "deploy" / "systemd"
#: Where the units expect the installed package's commands.
INSTALLED_BIN = "/opt/bluezone/.venv/bin/"


def test_the_nginx_sites_pass_nginx_t(tmp_path: Path) -> None:
    binary = require_tool("nginx")
    require_tool("openssl")
    cert, key = certificate(tmp_path)
    ports = Ports(8080, 8443, 8090, 8493, (18081, 18082), (18001, 18002))
    nginx = Nginx(
        binary,
        tmp_path / "nginx",
        {
            "portal-cluster.conf": portal_config(ports, cert, key),
            "signage.conf": signage_config(ports, cert, key),
        },
    )
    done = nginx.check()
    assert done.returncode == 0, done.stderr
    assert "syntax is ok" in done.stderr and "test is successful" in done.stderr


def test_a_broken_site_fails_nginx_t(tmp_path: Path) -> None:
    """The check above can fail: a shipped file with a typo does not pass."""
    binary = require_tool("nginx")
    cert, key = certificate(tmp_path)
    ports = Ports(8080, 8443, 8090, 8493, (18081, 18082), (18001, 18002))
    broken = render(signage_config(ports, cert, key), {"ip_hash;": "ip_hsah;"}, "signage.conf")
    nginx = Nginx(binary, tmp_path / "nginx", {"signage.conf": broken})
    done = nginx.check()
    assert done.returncode != 0
    assert 'unknown directive "ip_hsah"' in done.stderr


def test_render_fails_when_the_shipped_file_changed() -> None:
    with pytest.raises(AssertionError, match="no longer has 'listen 80;'"):
        render("server { listen 8080; }", {"listen 80;": "listen 1;"}, "x.conf")


def _verify(folder: Path, unit: str) -> subprocess.CompletedProcess[str]:
    """`systemd-analyze verify` of ``unit`` found in ``folder`` (templates as an instance)."""
    binary = require_tool("systemd-analyze")
    return subprocess.run(
        [binary, "verify", "--man=no", unit],
        capture_output=True,
        text=True,
        timeout=60,
        env={
            "PATH": "/usr/bin:/bin",
            "SYSTEMD_UNIT_PATH": f"{folder}:",
            "SYSTEMD_LOG_LEVEL": "notice",
        },
    )


def _installed(folder: Path) -> Path:
    """The shipped units, with the commands pointing at this checkout's environment (verify
    refuses an ExecStart that is not an executable file)."""
    bin_dir = str(Path(sys.executable).parent) + "/"
    for unit in sorted(UNITS.glob("*.service")):
        text = unit.read_text()
        assert INSTALLED_BIN in text, f"{unit.name}: ExecStart moved from {INSTALLED_BIN}"
        (folder / unit.name).write_text(text.replace(INSTALLED_BIN, bin_dir))
    return folder


@pytest.mark.parametrize(
    "unit",
    [
        "bluezone-portal.service",
        "bluezone-signage.service",
        "bluezone-portal@8081.service",
        "bluezone-signage@8001.service",
    ],
)
def test_the_systemd_units_pass_systemd_analyze_verify(tmp_path: Path, unit: str) -> None:
    for command in ("bluezone-portal", "bluezone-signage"):
        require_tool(str(Path(sys.executable).parent / command))
    done = _verify(_installed(tmp_path), unit)
    assert done.returncode == 0, done.stderr
    # Unknown keys and bad values are only warned about: any word from verify is a failure.
    assert done.stderr.strip() == "" and done.stdout.strip() == "", done.stderr + done.stdout


def test_every_shipped_unit_is_verified() -> None:
    shipped = {p.name for p in UNITS.glob("*.service")}
    verified = {re.sub(r"@\d+", "@", name) for name in (
        "bluezone-portal.service", "bluezone-signage.service",
        "bluezone-portal@8081.service", "bluezone-signage@8001.service",
    )}  # fmt: skip
    assert shipped == verified


def test_a_unit_with_an_unknown_key_fails_the_check(tmp_path: Path) -> None:
    """The verify test can fail: systemd-analyze speaks up about a misspelt key."""
    folder = _installed(tmp_path)
    unit = folder / "bluezone-signage.service"
    unit.write_text(unit.read_text().replace("RestartSec=2", "RestartSecs=2"))
    done = _verify(folder, "bluezone-signage.service")
    assert "Unknown key 'RestartSecs'" in done.stderr


def test_the_templates_give_each_instance_its_port_and_folder() -> None:
    for service in ("portal", "signage"):
        text = (UNITS / f"bluezone-{service}@.service").read_text()
        assert "serve --bind ${BLUEZONE_BIND}:%i" in text
        assert f"StateDirectory=bluezone-{service}/%i" in text
        assert f"WorkingDirectory=%S/bluezone-{service}/%i" in text
        assert f"EnvironmentFile=-/etc/bluezone/{service}.env" in text
        assert (UNITS / f"{service}.env.example").exists()


def test_the_kiosk_user_unit_passes_systemd_analyze_verify(tmp_path: Path) -> None:
    """The screen computers' user unit, installed as deploy/kiosk/README.md says (the
    launcher in ~/.local/bin), verified by a user manager of a home of its own."""
    binary = require_tool("systemd-analyze")
    kiosk = ROOT / "deploy" / "kiosk"
    home, units, runtime = tmp_path / "home", tmp_path / "units", tmp_path / "run"
    (home / ".local" / "bin").mkdir(parents=True)
    units.mkdir()
    runtime.mkdir(mode=0o700)
    launcher = home / ".local" / "bin" / "signage-kiosk.sh"
    shutil.copyfile(kiosk / "signage-kiosk.sh", launcher)
    launcher.chmod(0o755)
    shutil.copyfile(kiosk / "signage-kiosk.service", units / "signage-kiosk.service")
    done = subprocess.run(
        [binary, "--user", "verify", "--man=no", "signage-kiosk.service"],
        capture_output=True,
        text=True,
        timeout=60,
        env={
            "PATH": "/usr/bin:/bin",
            "HOME": str(home),
            "XDG_RUNTIME_DIR": str(runtime),
            "SYSTEMD_UNIT_PATH": f"{units}:",
        },
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr.strip() == "" and done.stdout.strip() == "", done.stderr + done.stdout


@pytest.mark.parametrize("script", ["kiosk/signage-kiosk.sh", "demo.sh"])
def test_the_shell_scripts_parse(script: str) -> None:
    binary = require_tool("bash")
    done = subprocess.run(
        [binary, "-n", str(ROOT / "deploy" / script)], capture_output=True, text=True, timeout=30
    )
    assert done.returncode == 0 and done.stderr == "", done.stderr


def test_the_dnsmasq_file_passes_dnsmasq_test(tmp_path: Path) -> None:
    binary = require_tool("dnsmasq")
    shipped = ROOT / "deploy" / "dnsmasq" / "bluezone-guest.conf"
    done = subprocess.run(
        [binary, "--test", "-C", str(shipped)], capture_output=True, text=True, timeout=30
    )
    assert done.returncode == 0, done.stderr
    assert "syntax check OK" in done.stderr
    # The check can fail: a misspelt option does not pass.
    broken = tmp_path / "broken.conf"
    broken.write_text(shipped.read_text().replace("bind-interfaces", "bind-interface"))
    done = subprocess.run(
        [binary, "--test", "-C", str(broken)], capture_output=True, text=True, timeout=30
    )
    assert done.returncode != 0 and "bad option" in done.stderr
