"""Figure 3 of the ingest benchmark: the textbook llama-index pipeline (run in its own process), and
how many of its nodes the encoder silently truncates."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any


def naive_child(params: dict[str, Any]) -> None:
    """Runs in its own process (``--naive-child``): the textbook llama-index pipeline. Prints its
    node count and timings as one JSON line."""
    t = time.perf_counter()
    from llama_index.core import SimpleDirectoryReader, StorageContext, VectorStoreIndex
    from llama_index.core.node_parser import SentenceSplitter
    from llama_index.embeddings.huggingface import HuggingFaceEmbedding
    from llama_index.vector_stores.milvus import MilvusVectorStore

    import_s = time.perf_counter() - t
    t = time.perf_counter()
    vector_store = MilvusVectorStore(uri=params["uri"], dim=384, overwrite=True)
    VectorStoreIndex.from_documents(
        SimpleDirectoryReader(params["corpus"], required_exts=[".md"]).load_data(),
        storage_context=StorageContext.from_defaults(vector_store=vector_store),
        embed_model=HuggingFaceEmbedding(model_name=params["model_path"], device="cpu"),
        transformations=[
            SentenceSplitter(chunk_size=params["chunk_size"], chunk_overlap=params["chunk_overlap"])
        ],
    )
    pipeline_s = time.perf_counter() - t
    rows = vector_store.client.query(
        collection_name=vector_store.collection_name, filter="", output_fields=["count(*)"]
    )
    print(json.dumps({"nodes": int(rows[0]["count(*)"]), "import_s": import_s, "pipeline_s": pipeline_s}))


def naive_truncation(corpus: Path, model_path: Path, size: int, overlap: int, limit: int) -> dict[str, Any]:
    """Re-create the naive pipeline's nodes (deterministic, untimed) and measure what the encoder
    reads: node.get_content(MetadataMode.EMBED), as HuggingFaceEmbedding embeds it."""
    from llama_index.core import SimpleDirectoryReader
    from llama_index.core.node_parser import SentenceSplitter
    from llama_index.core.schema import MetadataMode
    from transformers import AutoTokenizer

    docs = SimpleDirectoryReader(str(corpus), required_exts=[".md"]).load_data()
    nodes = SentenceSplitter(chunk_size=size, chunk_overlap=overlap).get_nodes_from_documents(docs)
    texts = [n.get_content(metadata_mode=MetadataMode.EMBED) for n in nodes]
    tok = AutoTokenizer.from_pretrained(str(model_path))
    lengths = [len(ids) for ids in tok(texts, add_special_tokens=True)["input_ids"]]
    return {
        "documents": len(docs),
        "nodes_resplit": len(nodes),
        "nodes_over_limit": sum(n > limit for n in lengths),
        "max_tokens_in_node": max(lengths, default=None),
    }
