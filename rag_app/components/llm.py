"""Chat LLM through the ``openai`` client, whatever the endpoint (local llama.cpp, OpenAI, vLLM, Ollama)."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from rag_app.components.libraries import require
from rag_app.components.packs import find_pack, locate
from rag_app.config import secret
from rag_app.endpoints import endpoint_key, mask_url
from rag_app.errors import ConfigError, EndpointUnavailable, ModelUnavailable
from rag_app.llm_server import LocalLLMServer
from rag_app.registry import LLMS
from rag_app.settings import LLMSettings, Settings

Message = dict[str, str]


class ChatLLM:
    """Streams or completes chat messages; endpoint failures become :class:`EndpointUnavailable`."""

    def __init__(
        self,
        cfg: LLMSettings,
        base_url: str,
        model: str,
        server: LocalLLMServer | None = None,
        api_key: str | None = None,
    ) -> None:
        """``api_key``: the endpoint's key (the local server's per-run key); default: the variable
        ``llm.api_key_env`` names."""
        from openai import OpenAI

        self.cfg = cfg
        self.base_url = base_url
        self.model = model
        self.server = server
        key = api_key or endpoint_key(
            base_url,
            secret(cfg.api_key_env),
            env_name=cfg.api_key_env,
            section="llm",
            allowed=cfg.allow_http_key,
        )
        self.api_key = key or "not-needed"  # what this endpoint's clients send (never logged or shown)
        self.client = OpenAI(base_url=base_url, api_key=self.api_key, timeout=cfg.timeout, max_retries=0)
        self._tokenize_url: str | None = None
        self._tokenize_missing = False  # the endpoint has no /tokenize: estimate
        self._counts: OrderedDict[str, int] = OrderedDict()  # text -> tokens, the last 512 texts

    def _translate(self, exc: Exception) -> EndpointUnavailable:
        """An ``openai`` error as a message that says what happened at which endpoint, and the fix."""
        import openai

        where, status = mask_url(self.base_url), getattr(exc, "status_code", None)
        # Most specific first: the timeout is a connection error, 401/404 are status errors.
        cases: list[tuple[type[Exception], str, str]] = [
            (
                openai.APITimeoutError,
                f"The LLM endpoint {where} did not answer within {self.cfg.timeout:g} s.",
                "Raise llm.timeout, use a smaller model, or check the server's load.",
            ),
            (
                openai.APIConnectionError,
                f"Cannot reach the LLM endpoint {where} ({exc.__cause__ or exc}).",
                "Start the server or correct llm.base_url; `rag doctor` checks every endpoint.",
            ),
            (
                openai.AuthenticationError,
                f"The LLM endpoint {where} rejected the API key (401).",
                f"Export a valid key in ${self.cfg.api_key_env}.",
            ),
            (
                openai.NotFoundError,
                f"The LLM endpoint {where} does not serve model '{self.model}' (404).",
                "Set llm.model to a model the endpoint lists at /v1/models.",
            ),
            (
                openai.APIStatusError,
                f"The LLM endpoint {where} returned an error ({status}): {getattr(exc, 'message', exc)}",
                "Check the server's log; `rag doctor` checks the endpoint.",
            ),
        ]
        for kind, message, fix in cases:
            if isinstance(exc, kind):
                return EndpointUnavailable(message, fix=fix)
        return EndpointUnavailable(f"LLM request to {where} failed: {exc}")

    def stream(self, messages: list[Message], **kwargs: Any) -> Iterator[str]:
        import openai

        try:
            stream = self.client.chat.completions.create(
                model=self.model,
                messages=messages,  # type: ignore[arg-type]
                stream=True,
                **{"temperature": self.cfg.temperature, "max_tokens": self.cfg.max_tokens, **kwargs},
            )
            chunk: Any
            for chunk in stream:
                if chunk.choices and chunk.choices[0].delta.content:
                    yield chunk.choices[0].delta.content
        except openai.OpenAIError as exc:
            raise self._translate(exc) from exc

    def complete(self, messages: list[Message], **kwargs: Any) -> str:
        return "".join(self.stream(messages, **kwargs))

    def ping(self) -> list[str]:
        """Model ids the endpoint lists; raises :class:`EndpointUnavailable` if it does not answer."""
        import openai

        try:
            return [m.id for m in self.client.with_options(timeout=10).models.list().data]
        except openai.OpenAIError as exc:
            raise self._translate(exc) from exc

    def count_tokens(self, text: str) -> int:
        """Tokens of ``text`` by the model's own tokenizer where the endpoint exposes it.

        llama.cpp's server (local or remote) has ``POST /tokenize``; other endpoints (OpenAI,
        vLLM, Ollama) do not, so their count is estimated at 3 characters per token (an
        overestimate for English, which keeps prompts inside the window). Counts are remembered
        per text: passages that come back in the next answer cost no request.
        """
        if text in self._counts:
            self._counts.move_to_end(text)
            return self._counts[text]
        n = self._count(text)
        self._counts[text] = n
        if len(self._counts) > 512:
            self._counts.popitem(last=False)
        return n

    def _count(self, text: str) -> int:
        if not self._tokenize_missing:
            import httpx

            url = self._tokenize_url or self.base_url.rstrip("/").removesuffix("/v1") + "/tokenize"
            try:
                auth = {"Authorization": f"Bearer {self.api_key}"}
                r = httpx.post(url, json={"content": text}, headers=auth, timeout=10)
                if r.status_code == 200 and isinstance(r.json().get("tokens"), list):
                    self._tokenize_url = url
                    return len(r.json()["tokens"])
            except (httpx.HTTPError, ValueError):
                pass
            self._tokenize_missing = True
        return max(1, (len(text) + 2) // 3)

    def close(self) -> None:
        if self.server is not None:
            self.server.close()


def local_model_path(settings: Settings) -> Path:
    """The GGUF file for ``llm.provider: local``: a path, or an installed offline pack."""
    name = settings.llm.model
    for candidate in (Path(name).expanduser(), settings.resolve(name)):
        if candidate.is_file():
            return candidate.resolve()
    pack = find_pack(name, "llm")
    if pack is not None:
        return locate(pack, settings.cache_dir)
    raise ModelUnavailable(
        f"llm.model '{name}' is neither a .gguf file nor a known offline pack.",
        fix="Set llm.model to a GGUF path or one of: qwen2.5-coder-1.5b, qwen2.5-coder-0.5b, smollm2-135m.",
    )


def build_local(settings: Settings) -> ChatLLM:
    """llama.cpp's server for a local GGUF, started (or reused) on 127.0.0.1."""
    cfg = settings.llm
    gguf = local_model_path(settings)
    require("xllamacpp")  # in this process: a broken runtime is named here, not in the child's log
    server = LocalLLMServer(
        gguf,
        settings.data_dir,
        n_ctx=cfg.context_window,
        threads=cfg.threads,
        startup_timeout=cfg.startup_timeout,
    )
    base = server.ensure()
    return ChatLLM(cfg, f"{base}/v1", gguf.stem, server, api_key=server.api_key)


def build_openai(settings: Settings) -> ChatLLM:
    """Any OpenAI-compatible endpoint: OpenAI, vLLM, Ollama, a llama.cpp server."""
    cfg = settings.llm
    if not cfg.base_url:  # nothing defaults to a remote endpoint: the user names it
        raise ConfigError(
            "llm.provider is 'openai' but llm.base_url is not set.",
            fix="Set llm.base_url to the endpoint: https://api.openai.com/v1 for OpenAI (with the key in "
            f"${cfg.api_key_env}), http://127.0.0.1:8000/v1 for vLLM, http://127.0.0.1:11434/v1 for Ollama.",
        )
    return ChatLLM(cfg, cfg.base_url, cfg.model)


def build_llm(settings: Settings) -> ChatLLM:
    """The configured chat LLM (``llm.provider``, ``rag_app.registry.LLMS``)."""
    llm: ChatLLM = LLMS.builder(settings.llm.provider)(settings)
    return llm
