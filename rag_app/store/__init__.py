"""The Milvus index: :class:`MilvusStore` and :func:`open_store` (see :mod:`rag_app.store.milvus`)."""

from rag_app.store.milvus import MilvusStore, open_store
from rag_app.store.records import CollectionInfo, DocState, Hit, rows_for

__all__ = ["CollectionInfo", "DocState", "Hit", "MilvusStore", "open_store", "rows_for"]
