"""Where the parts of one signage app find each other.

`signage.create_app` and the `init_app` functions it calls set each part once
(`hub.set(app, ...)`); request handlers, socket handlers and commands read it with the typed
accessor (`hub()`), inside an app context. Each part has one name and one type
(`bluezone.parts.Part`, the only code that touches `app.extensions`).

At run time this module imports nothing of signage: the types are for the checker only, so
any module may use the accessors without an import cycle.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bluezone.parts import Part

if TYPE_CHECKING:
    from collections.abc import Callable

    from signage.config import SignageSettings
    from signage.console.extension import Console
    from signage.editing.publish import Publisher
    from signage.live.background import Background
    from signage.live.hub import Hub
    from signage.live.thumbnail import Thumbnails
    from signage.results.printlog import PrintLog
    from signage.results.printshop import PrintShop
    from signage.venues.silence import Silence
    from signage.venues.store import VenueStore
    from signage.web.socket import ConsoleSockets, SessionCheck

# The keys are the ones the app has always used: tests that build an app read them directly.
settings: Part[SignageSettings] = Part("signage.settings")
"""The settings the app was built with, read and checked once by `create_app`."""
hub: Part[Hub] = Part("signage")
"""The live hub: programme, presence, overrides and proof of play."""
background: Part[Background] = Part("signage.background")
"""The watcher loop, started by the first request or screen connection."""
console: Part[Console] = Part("signage.console")
"""The operator console's accounts, sign-in guard, sessions and audit log."""
console_sockets: Part[ConsoleSockets] = Part("signage.console.sockets")
"""This process's console sockets and the session each one belongs to."""
console_session: Part[Callable[[], SessionCheck | None]] = Part("signage.console.session")
"""Checks the request's console session, for the `/console` Socket.IO namespace."""
publisher: Part[Publisher] = Part("signage.playlists")
"""Writes playlist files for the console, with history and conflict checks."""
print_shop: Part[PrintShop] = Part("signage.print_shop")
"""Checks, draws and caches the printed materials of the console's Printed materials page."""
print_log: Part[PrintLog] = Part("signage.print_log")
"""The record of every printed material made from the console, counted by the funnel."""
slide_thumbnails: Part[Thumbnails] = Part("signage.slide_thumbnails")
"""The live board's small pictures of the slide each screen shows, cached by content."""
venues: Part[VenueStore] = Part("signage.venues")
"""The venue boxes that report to this server, and the counts they sent."""
silence: Part[Silence] = Part("signage.venues.silence")
"""Moves silent venue boxes and sends their alerts, once for the cluster."""
