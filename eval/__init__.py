"""Evaluation (Ragas and retrieval metrics, embedder bake-off): not built yet, see the evaluation issue.

Never ``import eval`` bare (it shadows a builtin): ``from eval.runner import ...``.
"""
