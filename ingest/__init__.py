"""Loading, chunking and indexing documents into the embedder's Milvus collection."""
