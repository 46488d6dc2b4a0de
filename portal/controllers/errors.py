"""What can go wrong when the portal asks a venue's Wi-Fi controller to let a visitor through."""

from __future__ import annotations


class ControllerError(RuntimeError):
    """A controller could not be asked, or refused; the message never contains a secret."""


class ControllerUnavailable(ControllerError):
    """The controller did not answer in time, or failed (connection refused, 5xx), even after
    retrying: the visitor is asked to try again in a moment."""


class ControllerRefused(ControllerError):
    """The controller answered but refused: bad credentials, unknown client or site, or an
    error code in its reply. Retrying the same request will not help."""
