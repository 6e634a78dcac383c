"""Process-wide settings of a rag process, set once by an edge (the CLI, the UI) before models load.

Library code never writes the environment; the edges call :func:`prepare` at start-up and
:func:`offline` once the settings are known. Everything here is a "stay quiet, stay local"
default that an explicit environment variable still overrides.
"""

from __future__ import annotations

import logging
import os
import sys
import warnings
from pathlib import Path

from rag_app.folders import private_folder
from rag_app.settings import Settings

QUIET = {
    # Progress bars and advisories of model libraries would drown the answer; errors still surface.
    "TRANSFORMERS_VERBOSITY": "error",
    "HF_HUB_DISABLE_PROGRESS_BARS": "1",
    "TOKENIZERS_PARALLELISM": "false",
    "TQDM_DISABLE": "1",
    "GRPC_VERBOSITY": "ERROR",
    # No telemetry, ever: Hugging Face, Gradio, Ragas (which otherwise posts on every LLM call).
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "GRADIO_ANALYTICS_ENABLED": "False",
    "GRADIO_SSR_MODE": "False",
    "RAGAS_DO_NOT_TRACK": "true",
}


def prepare() -> None:
    """Quiet, telemetry-free defaults for this process (an explicit environment variable wins)."""
    for name, value in QUIET.items():
        os.environ.setdefault(name, value)
    # tiktoken (used by Ragas' test-set generation) would download its BPE file into a temp dir.
    os.environ.setdefault("TIKTOKEN_CACHE_DIR", str(Path.home() / ".cache" / "rag-app" / "tiktoken"))
    warnings.filterwarnings("ignore")
    logging.getLogger("jieba").setLevel(logging.WARNING)  # its dictionary-loading chatter
    # transformers reads HF_HUB_DISABLE_PROGRESS_BARS once, at import: if it was imported before
    # this edge started (a test process, an embedding host), switch its bars off the same way.
    if os.environ.get("HF_HUB_DISABLE_PROGRESS_BARS") == "1" and "transformers.utils.logging" in sys.modules:
        sys.modules["transformers.utils.logging"].disable_progress_bar()


def offline(settings: Settings) -> None:
    """Make Hugging Face libraries offline unless the user allowed downloads (models.allow_download)."""
    if not settings.models.allow_download:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


def upload_staging(settings: Settings) -> Path:
    """Where Gradio stages uploads (``GRADIO_TEMP_DIR``): ``<data_dir>/tmp/gradio``, 0700.

    Gradio reads the variable whenever it handles a file, so the UI server calls this before it
    builds its Blocks; a folder the environment already names is kept. Returns the folder in use.
    """
    folder = private_folder(settings.data_dir / "tmp" / "gradio", tighten=True)
    os.environ.setdefault("GRADIO_TEMP_DIR", str(folder))
    return Path(os.environ["GRADIO_TEMP_DIR"])
