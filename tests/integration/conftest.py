"""Fixtures shared by the integration test folders."""

from __future__ import annotations

from tests.integration.servers import scripted_ui, ui_server

__all__ = ["scripted_ui", "ui_server"]  # the session UI server: tests/integration/ui/ and security/ share one
