"""One builder per tab of the app; each creates its components inside the open ``gr.Tab`` and wires its handlers."""

from typing import Any

Update = dict[str, Any]  # what gr.update() returns: a change to a component, or nothing
