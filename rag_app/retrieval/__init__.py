"""Retrieval: search filters, the :class:`~rag_app.retrieval.retriever.Retriever`, and context assembly."""
