"""Gradio chat UI and HTTP API: not built yet, see the UI issue. ``make run`` opens ``rag chat`` until then."""
