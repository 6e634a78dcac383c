"""The browser UI (Gradio) and its HTTP API over the RAG pipeline: ``ui.app.create_app``, ``ui.app.launch``.

Importing this package is cheap; Gradio loads with ``ui.app``.
"""
