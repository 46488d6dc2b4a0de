"""A state's packet, written from its items' texts, is the packet python-socketio writes."""

from __future__ import annotations

import json
import pickle
import shutil
from pathlib import Path

from socketio import packet

from signage.live.programme import Programme, State
from signage.web import statepacket
from tests.conftest import ROOT
from tests.signage.live.test_programme_states import NOW, PORTAL


def _states(tmp_path: Path) -> list[State]:
    directory = tmp_path / "playlists"
    shutil.copytree(ROOT / "playlists", directory)
    programme = Programme(directory, PORTAL)
    assert programme.reload().problems == ()
    states = [programme.payload(s, NOW) for s in programme.screen_ids()]
    assert all(s is not None and s.items_sent for s in states)
    return [s for s in states if s is not None]


def test_a_state_packet_is_the_plain_packet(tmp_path: Path) -> None:
    for state in _states(tmp_path):
        message = State(state, server_time=1765090200000)
        assert message.items_sent == state.items_sent
        ours = statepacket.Packet(packet.EVENT, data=["state", message]).encode()
        plain = packet.Packet(packet.EVENT, data=["state", dict(message)]).encode()
        assert ours == plain
        assert json.loads(ours[1:])[1]["screen"]["id"] == state["screen"]["id"]


def test_a_state_whose_items_were_replaced_is_encoded_in_full(tmp_path: Path) -> None:
    state = _states(tmp_path)[0]
    changed = State(state, items=[{"id": "x"}])
    ours = statepacket.Packet(packet.EVENT, data=["state", changed]).encode()
    assert json.loads(ours[1:])[1]["items"] == [{"id": "x"}]


def test_other_packets_are_python_socketio_s(tmp_path: Path) -> None:
    data = ["override", {"id": 3, "messages": {"vi": {"headline": "Mưa lớn"}}}]
    assert (
        statepacket.Packet(packet.EVENT, data=data).encode()
        == packet.Packet(packet.EVENT, data=data).encode()
    )
    binary = statepacket.Packet(packet.EVENT, data=["blob", b"\x00\x01"])
    assert binary.packet_type == packet.BINARY_EVENT


def test_a_state_crosses_the_message_queue_as_itself(tmp_path: Path) -> None:
    state = State(_states(tmp_path)[1], server_time=1)
    back = pickle.loads(pickle.dumps({"method": "emit", "data": state}))["data"]
    assert isinstance(back, State) and back == state and back.items_sent == state.items_sent
