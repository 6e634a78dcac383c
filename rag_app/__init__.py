"""rag_app: the core of the private-document RAG application (no UI or eval imports here)."""

__version__ = "0.1.0"
