"""Per-format loaders: a file's bytes become a :class:`~ingest.loaders.base.LoadedDocument`.

One module per format family; each loader raises :class:`~rag_app.errors.IngestError` with a
reason a user understands. Which extension goes to which loader is decided in
:mod:`ingest.formats`, the file-type registry.
"""
