"""Socket.IO packets that write a screen's `state` without encoding its items again.

A playlist save sends every screen its own `state` (each names its screen, and a campaign's QR
code carries the screen's id), so python-socketio builds one packet per screen. Building one
walked the whole message twice in Python: `Packet.data_is_binary` visits every value of every
item looking for bytes, then `json.dumps` encodes it all again, though thousands of screens
share the same items. Measured with `bench/signage.py` at 10,000 screens, that was most of what
a save cost after the states themselves.

`Packet`, installed as the server's packet class (`serializer`), recognises an event whose
single argument is a `signage.live.programme.State`: a state holds no bytes (it is built from
JSON values) and its items come already encoded (`State.sent`), so the packet text is put
together from them. Every other packet goes through python-socketio's code unchanged, and a
state goes through the message queue to other nodes like any emit (it pickles as itself).
"""

from __future__ import annotations

import json
from typing import Any

from socketio import packet

from signage.live.programme import State


def _state_event(data: object) -> State | None:
    """The state of an event packet's data ``[event, state]``, else None."""
    if type(data) is list and len(data) == 2 and isinstance(data[1], State):
        return data[1]
    return None


class PacketJson:
    """The JSON module of `Packet`: python-socketio's (``engineio.json``), except that the
    data of a state event is written from its state's encoded items."""

    loads = staticmethod(packet.Packet.json.loads)

    @staticmethod
    def dumps(data: object, **options: Any) -> str:
        state = _state_event(data)
        if state is None or options != {"separators": (",", ":")}:
            return str(packet.Packet.json.dumps(data, **options))
        assert isinstance(data, list)
        return "[" + json.dumps(data[0]) + "," + state.sent() + "]"


class Packet(packet.Packet):  # type: ignore[misc]
    """python-socketio's packet, with `PacketJson` and no search for bytes in a state."""

    json = PacketJson

    @classmethod
    def data_is_binary(cls, data: object) -> bool:
        if _state_event(data) is not None:
            return False
        return bool(super().data_is_binary(data))
