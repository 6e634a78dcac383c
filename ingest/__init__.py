"""Getting documents into the embedder's Milvus collection.

- :mod:`ingest.loaders`: one loader per format family (text, Markdown, PDF, HTML, DOCX, PPTX,
  reStructuredText, CSV/TSV), each turning a file's bytes into sections with pages or headings;
- :mod:`ingest.formats`: the file-type registry, the one list of extensions and their loaders;
- :mod:`ingest.chunker`: structure-aware chunks inside the embedder's token budget;
- :mod:`ingest.indexer`: the ingest run (walk, plan, load, chunk, embed, upsert, sync) and its report;
- :mod:`ingest.cli`: the ``rag ingest`` command.
"""
