"""Builders for embedders, rerankers and LLM clients, chosen by provider name."""
