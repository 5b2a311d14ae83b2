"""trio.socket: the async mirror of the standard ``socket`` module (from trio-socket)."""

from trio_socket import *  # noqa: F403
