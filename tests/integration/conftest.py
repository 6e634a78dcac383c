"""Fixtures shared by the integration test folders."""

from __future__ import annotations

from tests.integration.servers import ui_server

__all__ = ["ui_server"]  # the session UI server: tests/integration/ui/ and security/ share one
