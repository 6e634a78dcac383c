"""Answering: prompts, condensing follow-ups, citations, and the :class:`Answerer` that ties them."""
