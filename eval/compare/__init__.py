"""``rag eval compare``: the same documents and questions through several embedders.

- :mod:`eval.compare.spec`: an ``--embedders`` entry (``provider:model``, a model id, a YAML file)
  to embedder settings;
- :mod:`eval.compare.measure`: one embedder's figures (quality, latency, index size, memory);
- :mod:`eval.compare.choice`: the best for quality and the best quality/latency trade-off;
- :mod:`eval.compare.report`: ``compare.md``, the terminal summary and ``compare.png``;
- :mod:`eval.compare.run`: the whole comparison (:func:`~eval.compare.run.run_compare`).
"""
