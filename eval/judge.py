"""The judge: an OpenAI-compatible endpoint configured by ``judge:`` (default: the answering LLM).

Ragas 0.4's metric collections call ``llm.agenerate(prompt, ResponseModel)``. :class:`JudgeLLM`
implements that with the plain ``openai`` client so that

- with ``judge.structured_output: true`` the request carries the response model's JSON schema
  (``response_format={"type": "json_schema", ...}``): llama.cpp's server (and vLLM, OpenAI)
  constrain decoding to it, so even a 0.5B judge returns parseable verdicts;
  otherwise JSON mode (``{"type": "json_object"}``) and a tolerant parser;
- every failure is classified (``timeout``, ``parse_error``, ``endpoint_error``) and surfaces
  as an exception that the scorer counts, never as a silent 0;
- api.openai.com is used only when asked for: ``judge.provider: openai`` with an API key and no
  ``base_url``; without either, :func:`judge_llm_settings` refuses.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import re
import threading
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from pydantic import BaseModel, ValidationError

from eval.cache import JsonlCache
from rag_app.components.embedders import Embedder
from rag_app.components.llm import ChatLLM, build_llm
from rag_app.config import secret
from rag_app.errors import ConfigError, EndpointUnavailable, JudgeFailure
from rag_app.settings import JudgeSettings, LLMSettings, Settings

if TYPE_CHECKING:  # ragas loads only when something is judged
    from ragas.embeddings.base import BaseRagasEmbedding
    from ragas.llms.base import InstructorBaseRagasLLM

T = TypeVar("T", bound=BaseModel)


def judge_llm_settings(settings: Settings) -> LLMSettings:
    """The judge's endpoint as LLM settings: ``judge:`` keys, unset ones taken from ``llm:``."""
    j, llm = settings.judge, settings.llm
    provider = j.provider or llm.provider
    model = j.model or llm.model
    base_url = j.base_url
    if base_url is None and provider == llm.provider and j.model in (None, llm.model):
        base_url = llm.base_url
    if provider == "openai" and not base_url and not secret(j.api_key_env):
        raise ConfigError(
            "judge.provider is 'openai' but neither judge.base_url nor an API key is set.",
            fix=f"Set judge.base_url (e.g. http://127.0.0.1:8080/v1) or export {j.api_key_env}.",
        )
    return LLMSettings(
        provider=provider,
        model=model,
        base_url=base_url,
        api_key_env=j.api_key_env,
        temperature=j.temperature,
        max_tokens=j.max_tokens,
        timeout=j.timeout,
        context_window=max(llm.context_window, 4096),
        threads=llm.threads,
        startup_timeout=llm.startup_timeout,
    )


@dataclass
class JudgeEndpoint:
    """Where judge calls go, with the ``judge:`` settings; ``server`` is the local LLM started for it."""

    base_url: str
    model: str
    api_key: str
    settings: JudgeSettings
    server: ChatLLM | None = field(default=None, repr=False)

    @property
    def label(self) -> str:
        return self.model

    def close(self) -> None:
        """Stop the local judge server if this endpoint started it (a reused one keeps running)."""
        if self.server is not None:
            self.server.close()
            self.server = None


def open_judge(settings: Settings) -> JudgeEndpoint:
    """Resolve (and for ``local``, start or reuse) the judge's endpoint."""
    cfg = judge_llm_settings(settings)
    key = secret(cfg.api_key_env) or "not-needed"
    if cfg.provider == "local":
        chat = build_llm(settings.model_copy(update={"llm": cfg}))
        return JudgeEndpoint(chat.base_url, chat.model, chat.api_key, settings.judge, chat)
    endpoint = JudgeEndpoint(cfg.base_url or "https://api.openai.com/v1", cfg.model, key, settings.judge)
    preflight(endpoint)
    return endpoint


def preflight(endpoint: JudgeEndpoint) -> None:
    """Fail fast when the judge cannot be reached at all (rather than failing every judgment)."""
    import httpx

    try:
        httpx.get(
            endpoint.base_url.rstrip("/") + "/models",
            headers={"Authorization": f"Bearer {endpoint.api_key}"},
            timeout=10,
        )
    except httpx.HTTPError as exc:  # any HTTP answer (even 401/404) means it is there
        raise EndpointUnavailable(
            f"Cannot reach the judge endpoint {endpoint.base_url} ({exc}).",
            fix="Start the judge server or correct judge.base_url (config.yaml, judge: section); "
            "`rag eval --no-ragas` runs the retrieval metrics without a judge.",
        ) from exc


_FENCE = re.compile(r"```(?:json)?\s*(.*?)```", re.S)


def extract_json(text: str) -> str:
    """The JSON object in a reply that may be fenced or chatty.

    A schema-constrained reply is pure JSON and is returned as is (its strings may themselves
    contain Markdown fences, e.g. a statement quoting a ```sql block```); otherwise a fenced
    block, then the first decodable object.
    """
    stripped = text.strip()
    try:
        json.loads(stripped)
        return stripped
    except ValueError:
        pass
    for m in _FENCE.finditer(text):
        candidate = m.group(1).strip()
        try:
            json.loads(candidate)
            return candidate
        except ValueError:
            continue
    start = text.find("{")
    if start < 0:
        return stripped
    try:
        _, end = json.JSONDecoder().raw_decode(text[start:])
        return text[start : start + end]
    except ValueError:
        return text[start:].strip()


@dataclass
class CallStats:
    """Judge calls: how many, how many failed and why, their total seconds (shared across threads)."""

    calls: int = 0
    failed: int = 0
    seconds: float = 0.0
    by_reason: dict[str, int] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, seconds: float, reason: str | None = None) -> None:
        with self.lock:
            self.calls += 1
            self.seconds += seconds
            if reason:
                self.failed += 1
                self.by_reason[reason] = self.by_reason.get(reason, 0) + 1

    def as_dict(self) -> dict[str, Any]:
        return {
            "calls": self.calls,
            "failed_calls": self.failed,
            "seconds": round(self.seconds, 2),
            "failures": dict(self.by_reason),
        }


def make_judge_llm(endpoint: JudgeEndpoint, stats: CallStats | None = None) -> InstructorBaseRagasLLM:
    """A ragas ``InstructorBaseRagasLLM`` over the judge endpoint (see module doc)."""
    from openai import AsyncOpenAI
    from ragas.llms.base import InstructorBaseRagasLLM

    cfg = endpoint.settings

    class JudgeLLM(InstructorBaseRagasLLM):
        def __init__(self) -> None:
            self.endpoint = endpoint
            self.model = endpoint.model
            self.structured = bool(cfg.structured_output)
            self.stats = stats or CallStats()
            self._clients: dict[int, AsyncOpenAI] = {}

        def _client(self) -> AsyncOpenAI:
            # One AsyncOpenAI per event loop (the CLI runs one loop; tests may run several).
            loop = asyncio.get_running_loop()
            client = self._clients.get(id(loop))
            if client is None:
                client = AsyncOpenAI(
                    base_url=endpoint.base_url, api_key=endpoint.api_key, timeout=cfg.timeout, max_retries=0
                )
                self._clients = {id(loop): client}
            return client

        def request(self, prompt: str, response_model: type[BaseModel]) -> dict[str, Any]:
            schema = response_model.model_json_schema()
            if self.structured:
                fmt: dict[str, Any] = {
                    "type": "json_schema",
                    "json_schema": {"name": response_model.__name__, "schema": schema, "strict": True},
                }
                messages = [{"role": "user", "content": prompt}]
            else:
                fmt = {"type": "json_object"}
                messages = [
                    {
                        "role": "system",
                        "content": "Reply with one JSON object that matches this JSON schema, nothing else:\n"
                        + json.dumps(schema),
                    },
                    {"role": "user", "content": prompt},
                ]
            return {
                "model": endpoint.model,
                "messages": messages,
                "temperature": cfg.temperature,
                "max_tokens": cfg.max_tokens,
                "response_format": fmt,
            }

        async def agenerate(self, prompt: str, response_model: type[T]) -> T:
            import openai

            t = time.perf_counter()
            try:
                resp = await self._client().chat.completions.create(**self.request(prompt, response_model))
            except openai.APITimeoutError as exc:
                self.stats.add(time.perf_counter() - t, "timeout")
                raise JudgeFailure("timeout", f"judge call timed out after {cfg.timeout:g} s") from exc
            except openai.OpenAIError as exc:
                self.stats.add(time.perf_counter() - t, "endpoint_error")
                raise JudgeFailure("endpoint_error", f"judge endpoint error: {exc}") from exc
            content = (resp.choices[0].message.content or "") if resp.choices else ""
            finish = resp.choices[0].finish_reason if resp.choices else None
            try:
                out = response_model.model_validate_json(extract_json(content))
            except (ValidationError, ValueError) as exc:
                reason = "truncated" if finish == "length" else "parse_error"
                self.stats.add(time.perf_counter() - t, reason)
                snippet = " ".join(content.split())[:160]
                raise JudgeFailure(
                    reason, f"judge reply did not match {response_model.__name__} ({reason}): {snippet!r}"
                ) from exc
            if (
                response_model.__name__ == "AnswerRelevanceOutput"
                and not str(getattr(out, "question", "")).strip()
            ):
                # ragas would score an empty generated question as relevancy 0: it is a failed judgment.
                self.stats.add(time.perf_counter() - t, "no_verdict")
                raise JudgeFailure("no_verdict", "the judge generated an empty question")
            self.stats.add(time.perf_counter() - t)
            return out

        def generate(self, prompt: str, response_model: type[T]) -> T:
            return asyncio.run(self.agenerate(prompt, response_model))

    return JudgeLLM()


def make_ragas_embeddings(embedder: Embedder) -> BaseRagasEmbedding:
    """Our :class:`~rag_app.components.embedders.Embedder` as a ragas ``BaseRagasEmbedding``."""
    from ragas.embeddings.base import BaseRagasEmbedding

    class LocalEmbeddings(BaseRagasEmbedding):
        def __init__(self) -> None:
            super().__init__()
            self.embedder = embedder

        def embed_text(self, text: str, **kwargs: Any) -> list[float]:
            return list(self.embedder.embed_query(text))

        def embed_texts(self, texts: list[str], **kwargs: Any) -> list[list[float]]:
            return [self.embed_text(t) for t in texts]

        async def aembed_text(self, text: str, **kwargs: Any) -> list[float]:
            return await asyncio.to_thread(self.embed_text, text)

        async def aembed_texts(self, texts: list[str], **kwargs: Any) -> list[list[float]]:
            return await asyncio.to_thread(self.embed_texts, texts)

    return LocalEmbeddings()


class JudgmentCache(JsonlCache):
    """Successful judgments, keyed by (sample inputs, metric, judge model), appended as JSONL.

    Failed judgments are not cached: a re-run retries them. ``path=None`` disables caching.
    """

    @staticmethod
    def key(metric: str, judge: str, inputs: dict[str, Any], extra: dict[str, Any] | None = None) -> str:
        blob = json.dumps(
            {"metric": metric, "judge": judge, "inputs": inputs, **(extra or {})}, sort_keys=True
        )
        return hashlib.sha256(blob.encode()).hexdigest()
