"""Evaluation of the RAG pipeline: ``rag eval`` and the UI's Evaluation tab.

- ``rag eval DATASET`` (:mod:`eval.runner`): answers every question of a JSONL/CSV test set
  (:mod:`eval.dataset`) with the real pipeline, scores retrieval against gold passages
  (:mod:`eval.retrieval`) and answers with Ragas metrics judged by the ``judge:`` LLM
  (:mod:`eval.ragas_metrics`, :mod:`eval.judge`), and writes reports with bootstrap intervals
  (:mod:`eval.stats`, :mod:`eval.report`). Answers and judgments are cached (:mod:`eval.cache`),
  so an interrupted run resumes.
- ``rag eval compare`` (:mod:`eval.compare`): several embedders on the same documents and questions.
- ``rag eval generate`` (:mod:`eval.generate`): a synthetic test set drafted from documents.
- ``rag eval selftest`` (:mod:`eval.selftest`): planted pairs that a sound judge must rank correctly.

Never ``import eval`` bare (it shadows a builtin): ``from eval.runner import ...``.
"""
