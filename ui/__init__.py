"""The browser UI (Gradio 6) and its HTTP API over the RAG pipeline, served together by ``rag ui``.

- ``ui.app.create_app(pipeline)``: the Blocks, one builder per tab in ``ui.tabs`` (chat,
  documents, search, evaluation, status); ``ui.status``: what the header and Status tab report.
- ``ui.api``: the ``/v1`` routes (OpenAI-compatible chat, ingest, documents, models).
- ``ui.service.RagService``: what both share (the active pipeline, locks, streamed chat and
  ingest); ``ui.service.error_text`` turns every error into the message the user reads.
- ``ui.server``: ``build_server`` mounts Gradio and ``/v1`` on one FastAPI app, ``launch`` serves it.
- ``ui.auth``: the optional login; ``ui.uploads``: safe storage of uploaded files;
  ``ui.render``: escaped HTML/Markdown fragments; ``ui.cli``: the ``rag ui`` command.

Importing this package is cheap; Gradio loads with ``ui.app`` and ``ui.server``.
"""
