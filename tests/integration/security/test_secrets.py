"""Secrets and privacy (issue 12): nothing defaults to a remote endpoint, keys stay off plain http,
credentials inside URLs are never shown, uploads are staged privately under the data dir."""

from __future__ import annotations

import json
import os
import stat
import subprocess
from pathlib import Path

import httpx
import pytest

from tests.conftest import RAG, write_config
from tests.integration.security.conftest import URL_SECRET, OpenServer

pytestmark = [pytest.mark.integration, pytest.mark.timeout(300)]


def test_rag_config_masks_credentials_inside_urls(tmp_path: Path) -> None:
    secrets = ["llm-pass-31337", "judge-token-31337", "milvus-pass-31337", "db-token-31337", "sk-31337"]
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("RAG_")},
        "RAG_LLM__BASE_URL": f"https://bob:{secrets[0]}@llm.example/v1",
        "RAG_JUDGE__BASE_URL": f"https://{secrets[1]}@judge.example/v1",
        "RAG_MILVUS__URI": f"https://root:{secrets[2]}@db.example:19530?token={secrets[3]}",
        "OPENAI_API_KEY": secrets[4],
    }
    proc = subprocess.run(
        [RAG, "config", "--json"], capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120
    )
    assert proc.returncode == 0, proc.stderr
    for value in secrets:
        assert value not in proc.stdout + proc.stderr, value
    shown = json.loads(proc.stdout)
    assert shown["llm"]["base_url"] == "https://bob:****@llm.example/v1"
    assert shown["judge"]["base_url"] == "https://****@judge.example/v1"
    assert shown["milvus"]["uri"] == "https://root:****@db.example:19530?token=****"
    assert shown["secrets (from environment)"]["OPENAI_API_KEY"] == "**** (set)"


def test_the_status_tab_masks_credentials_inside_urls(open_server: OpenServer) -> None:
    with httpx.Client(base_url=open_server.url, timeout=30) as http:
        config = http.get("/config")  # every component's value the page starts with
    assert config.status_code == 200
    assert URL_SECRET not in config.text
    assert "rag:****@127.0.0.1" in config.text  # the components table and the effective config


def test_no_endpoint_defaults_to_a_remote_service(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from eval.judge import open_judge
    from rag_app.config import load_settings
    from rag_app.errors import ConfigError
    from rag_app.pipeline import build_pipeline

    # The reported case: a local answering LLM, another judge model, OPENAI_API_KEY exported for
    # something else. Private passages would have gone to api.openai.com.
    monkeypatch.setenv("OPENAI_API_KEY", "sk-for-another-tool")
    cfg = write_config(tmp_path, judge={"provider": "openai", "model": "gpt-4o-mini"})
    with pytest.raises(ConfigError, match="no judge endpoint is set") as err:
        open_judge(load_settings(cfg, env={}))
    assert err.value.fix and "judge.base_url" in err.value.fix
    # the answering LLM and the embedder: an openai provider without a base_url is refused too
    cfg = write_config(tmp_path / "llm", llm={"provider": "openai", "model": "gpt-4o-mini"})
    with pytest.raises(ConfigError, match=r"llm\.base_url is not set"):
        _ = build_pipeline(load_settings(cfg, env={})).components.llm


def test_keys_are_not_sent_over_plain_http_to_another_machine(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from rag_app.config import load_settings
    from rag_app.errors import ConfigError
    from rag_app.pipeline import build_pipeline

    monkeypatch.setenv("OPENAI_API_KEY", "sk-must-not-travel-in-clear")
    remote = "http://10.255.255.1:8000/v1"  # not this machine: anyone on the path could read the header
    cfg = write_config(tmp_path, llm={"provider": "openai", "model": "m", "base_url": remote})
    pipe = build_pipeline(load_settings(cfg, env={}))
    with pytest.raises(
        ConfigError, match=r"Refusing to send the key in \$OPENAI_API_KEY over plain http"
    ) as err:
        _ = pipe.components.llm  # refused before any connection is made
    assert err.value.fix and "https://" in err.value.fix and "llm.allow_http_key: true" in err.value.fix
    assert "sk-must-not-travel-in-clear" not in str(err.value)
    monkeypatch.setenv("MILVUS_TOKEN", "root:Milvus")
    cfg = write_config(tmp_path / "m", milvus={"uri": "http://10.255.255.1:19530"})
    with pytest.raises(ConfigError, match=r"\$MILVUS_TOKEN"):
        _ = build_pipeline(load_settings(cfg, env={})).components.store


def test_uploads_are_staged_privately_under_the_data_dir(open_server: OpenServer) -> None:
    data = open_server.settings.data_dir
    with httpx.Client(base_url=open_server.url, timeout=30) as http:
        r = http.post("/gradio_api/upload", files={"files": ("staged-check.md", b"# staged\n")})
    assert r.status_code == 200, r.text
    (staged,) = (Path(p) for p in r.json())
    assert staged.is_relative_to(data / "tmp" / "gradio") and staged.read_bytes() == b"# staged\n"
    for folder in (data, data / "tmp", data / "tmp" / "gradio"):
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700, folder
    assert not str(staged).startswith("/tmp/gradio")
    staged.unlink()  # this upload went to no handler (which would have removed it)
    staged.parent.rmdir()
