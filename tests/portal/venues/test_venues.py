"""Venue settings: file:line:key errors, secrets only from the environment or private files,
and secrets never shown."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from portal.cli import main
from portal.config import ConfigError, load_config

FASKEY = "a-faskey-nobody-may-see-0123456789"

HEAD = "venue_name: Tuy Hòa\nvenues:\n"


@pytest.mark.parametrize(
    ("venues", "message"),
    [
        (
            "  airport:\n    name: A\n    controller: cisco\n",
            ":5: venues.airport.controller: unknown controller 'cisco'",
        ),
        ("  airport:\n    name: A\n", ":4: venues.airport.controller: missing"),
        (
            "  cafe:\n    name: C\n    controller: opennds\n    fas_level: 3\n    faskey: abc\n",
            ":7: venues.cafe.faskey: secrets are never written in this file; "
            "set the environment variable PORTAL_VENUE_CAFE_FASKEY or faskey_file",
        ),
        (
            "  airport:\n    name: A\n    controller: meraki\n    password: hunter2\n",
            ":6: venues.airport.password: secrets are never written",
        ),
        (
            "  airport:\n    name: A\n    controller: meraki\n    fas_level: 1\n",
            ":6: venues.airport.fas_level: unknown setting for a meraki venue",
        ),
        ("  Air Port:\n    name: A\n", ":3: venues.Air Port: a venue id is"),
        (
            "  airport:\n    name: A\n    controller: meraki\n    grant_hosts: [bad host!]\n",
            ":6: venues.airport.grant_hosts: 'bad host!' is not a host name",
        ),
        (
            "  hotel:\n    name: H\n    controller: mikrotik\n",
            ":4: venues.hotel.grant_hosts: name the controller address(es)",
        ),
        (
            "  cafe:\n    name: C\n    controller: opennds\n    fas_level: 3\n",
            ":4: venues.cafe: openNDS needs its faskey: set PORTAL_VENUE_CAFE_FASKEY",
        ),
        (
            "  cafe:\n    name: C\n    controller: opennds\n    fas_level: 2\n",
            ":6: venues.cafe.fas_level: level 2 is not supported",
        ),
        (
            "  airport:\n    name: A\n    controller: meraki\n    session_minutes: 0\n",
            ":6: venues.airport.session_minutes: must be between 1 and",
        ),
        (
            "  airport:\n    name: A\n    controller: meraki\n    languages: [en]\n",
            ":4: venues.airport.default_language: 'vi' is not in the venue's languages",
        ),
        (
            "  lobby:\n    name: L\n    controller: coova\n    grant_hosts: [10.1.0.1]\n",
            ":4: venues.lobby.username: name the RADIUS user",
        ),
        (
            "  station:\n    name: S\n    controller: unifi\n    username: u\n    unifi_os: true\n",
            ":4: venues.station.url: missing",
        ),
        (
            "  airport:\n    name: A\n    controller: meraki\n    name: B\n",
            ":6: venues.airport.name: given twice",
        ),
        ("  - airport\n", ":3: venues: expected one entry per venue id"),
    ],
)
def test_bad_venues_name_file_line_and_key(tmp_path: Path, venues: str, message: str) -> None:
    path = tmp_path / "portal.yaml"
    path.write_text(HEAD + venues)
    with pytest.raises(ConfigError) as caught:
        load_config(path, environ={})
    assert str(caught.value).startswith(f"{path}{message}"), str(caught.value)


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"PORTAL_VENUE_CAFE_FASKEYS": "x"}, "PORTAL_VENUE_CAFE_FASKEYS: no configured venue"),
        ({"PORTAL_VENUE_HARBOUR_FASKEY": "x"}, "PORTAL_VENUE_HARBOUR_FASKEY: no configured"),
        ({"PORTAL_VENUE_CAFE_FASKEY": "  "}, "PORTAL_VENUE_CAFE_FASKEY: is empty"),
        (
            {"PORTAL_VENUE_CAFE_FASKEY": "x", "PORTAL_VENUE_CAFE_PASSWORD": "y"},
            "PORTAL_VENUE_CAFE_PASSWORD: a opennds venue has no such secret",
        ),
        ({"PORTAL_VENUES": "{}"}, "PORTAL_VENUES: venues are set in the configuration file"),
    ],
)
def test_bad_secret_variables(tmp_path: Path, environ: dict[str, str], message: str) -> None:
    path = tmp_path / "portal.yaml"
    path.write_text(HEAD + "  cafe:\n    name: C\n    controller: opennds\n    fas_level: 3\n")
    with pytest.raises(ConfigError, match=re.escape(message)):
        load_config(path, environ=environ)


@pytest.mark.parametrize(
    ("mode", "error"),
    [(0o600, None), (0o400, None), (0o640, "may be read by other users"), (0o644, "chmod 600")],
)
def test_secret_files_must_be_private(tmp_path: Path, mode: int, error: str | None) -> None:
    secret = tmp_path / "cafe.faskey"
    secret.write_text(FASKEY + "\n")
    os.chmod(secret, mode)
    path = tmp_path / "portal.yaml"
    path.write_text(
        HEAD + f"  cafe:\n    name: C\n    controller: opennds\n    fas_level: 3\n"
        f"    faskey_file: {secret}\n"
    )
    if error is None:
        (venue,) = load_config(path, environ={}).venues
        assert venue.secret("faskey") == FASKEY
        return
    with pytest.raises(ConfigError, match=re.escape(error)) as caught:
        load_config(path, environ={})
    assert f"{path}:7: venues.cafe.faskey_file" in str(caught.value)
    assert FASKEY not in str(caught.value)


def test_a_secret_in_a_file_and_the_environment_is_an_error(tmp_path: Path) -> None:
    secret = tmp_path / "k"
    secret.write_text(FASKEY)
    os.chmod(secret, 0o600)
    path = tmp_path / "portal.yaml"
    path.write_text(
        HEAD + f"  cafe:\n    name: C\n    controller: opennds\n    fas_level: 3\n"
        f"    faskey_file: {secret}\n"
    )
    with pytest.raises(ConfigError, match="PORTAL_VENUE_CAFE_FASKEY is set too"):
        load_config(path, environ={"PORTAL_VENUE_CAFE_FASKEY": FASKEY})


def test_secrets_never_show(tmp_path: Path) -> None:
    path = tmp_path / "portal.yaml"
    path.write_text(
        HEAD
        + "  cafe:\n    name: C\n    controller: opennds\n    fas_level: 3\n"
        + "  station:\n    name: S\n    controller: unifi\n    url: https://10.0.0.1\n"
        + "    username: portal\n    unifi_os: true\n"
    )
    environ = {"PORTAL_VENUE_CAFE_FASKEY": FASKEY, "PORTAL_VENUE_STATION_PASSWORD": "pw-" + FASKEY}
    config = load_config(path, environ=environ)
    assert FASKEY not in repr(config) and FASKEY not in str(config.venues)
    assert config.venues[0].secret("faskey") == FASKEY
    result = CliRunner().invoke(
        main, ["check-config", str(path)], env={**environ, "PORTAL_CONFIG": ""}
    )
    assert result.exit_code == 0, result.output
    assert "configuration OK" in result.output and FASKEY not in result.output


def test_a_bad_api_setting_names_the_venue_not_the_password(tmp_path: Path) -> None:
    path = tmp_path / "portal.yaml"
    path.write_text(
        HEAD + "  station:\n    name: S\n    controller: unifi\n    url: ftp://10.0.0.1\n"
        "    username: portal\n    unifi_os: true\n"
    )
    with pytest.raises(ConfigError) as caught:
        load_config(path, environ={"PORTAL_VENUE_STATION_PASSWORD": FASKEY})
    assert str(caught.value).startswith(f"{path}:4: venues.station: url must start with")
    assert FASKEY not in str(caught.value)


def test_venues_inherit_the_portal_defaults(tmp_path: Path) -> None:
    path = tmp_path / "portal.yaml"
    path.write_text(
        "session_minutes: 45\nlanguages: [vi, en]\nvenues:\n"
        "  airport:\n    name: A\n    controller: meraki\n"
        "  port:\n    name: P\n    controller: meraki\n    session_minutes: 10\n"
        "    languages: [en, ja]\n    default_language: ja\n"
    )
    airport, port = load_config(path, environ={}).venues
    assert (airport.session_minutes, airport.languages, airport.default_language) == (
        45,
        ("vi", "en"),
        "vi",
    )
    assert airport.grant_hosts == ("*.network-auth.com",)
    assert (port.session_minutes, port.languages, port.default_language) == (10, ("en", "ja"), "ja")


def test_check_config_reads_each_venues_campaign(tmp_path: Path) -> None:
    campaign = tmp_path / "harbour.yaml"
    campaign.write_text("id: Bad Id\n")
    path = tmp_path / "portal.yaml"
    path.write_text(
        HEAD + f"  harbour:\n    name: H\n    controller: meraki\n    campaign_file: {campaign}\n"
    )
    result = CliRunner().invoke(main, ["check-config", str(path)], env={"PORTAL_CONFIG": ""})
    assert result.exit_code == 1
    assert str(campaign) in result.output


def test_settings_that_share_the_secret_prefix_stay_settings(tmp_path: Path) -> None:
    path = tmp_path / "portal.yaml"
    path.write_text(HEAD + "  cafe:\n    name: C\n    controller: opennds\n    fas_level: 3\n")
    environ = {
        "PORTAL_VENUE_NAME": "Bến xe Tuy Hòa",
        "PORTAL_VENUE_ID": "tuyhoa-bus",
        "PORTAL_VENUE_CAFE_FASKEY": FASKEY,
    }
    config = load_config(path, environ=environ)
    assert (config.venue_name, config.venue_id) == ("Bến xe Tuy Hòa", "tuyhoa-bus")
    assert config.venues[0].secret("faskey") == FASKEY
