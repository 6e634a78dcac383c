"""The parts built from settings by provider name: embedders, rerankers, the chat LLM, model resolution.

Each kind has a registry of provider names (``rag_app.registry``); heavy libraries are imported
inside the builders, through :func:`rag_app.components.libraries.require`.
"""
