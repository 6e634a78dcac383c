"""rag_app.endpoints: loopback hosts, credentials masked in URLs, keys kept off plain http."""

from __future__ import annotations

import pytest

from rag_app.endpoints import endpoint_key, is_loopback, is_plain_remote, mask_url
from rag_app.errors import ConfigError


@pytest.mark.parametrize(
    ("host", "loopback"),
    [("127.0.0.1", True), ("127.8.9.10", True), ("localhost", True), ("LOCALHOST.", True), ("::1", True),
     ("[::1]", True), ("app.localhost", True), ("0.0.0.0", False), ("::", False), ("10.0.0.5", False),
     ("example.org", False), ("localhost.example.org", False), ("", False), (None, False)],
)  # fmt: skip
def test_is_loopback(host: str | None, loopback: bool) -> None:
    assert is_loopback(host) is loopback


@pytest.mark.parametrize(
    ("url", "masked"),
    [
        ("https://root:Milvus@db.example:19530", "https://root:****@db.example:19530"),
        ("http://sk-abc123@10.0.0.5:8000/v1", "http://****@10.0.0.5:8000/v1"),  # a lone token as userinfo
        ("https://h.example/v1?api_key=sk-1&model=x", "https://h.example/v1?api_key=****&model=x"),
        ("https://in01.zilliz.example?token=abc&db=x", "https://in01.zilliz.example?token=****&db=x"),
        ("http://127.0.0.1:8080/v1", "http://127.0.0.1:8080/v1"),  # nothing to hide: unchanged
        ("http://h/v1?", "http://h/v1?"),
        ("./data/milvus.db", "./data/milvus.db"),  # not a URL
        ("http://u:p@h:notaport/", "http://****"),  # unparsable: nothing but the scheme
        (None, None),
    ],
)
def test_mask_url(url: str | None, masked: str | None) -> None:
    assert mask_url(url) == masked


def test_plain_remote() -> None:
    assert is_plain_remote("http://10.0.0.5:8000/v1") and is_plain_remote("tcp://milvus.lan:19530")
    assert not is_plain_remote("https://10.0.0.5/v1") and not is_plain_remote("http://localhost:11434/v1")
    assert not is_plain_remote("http://[::1]:8000/v1") and not is_plain_remote("./data/milvus.db")
    assert not is_plain_remote(None) and not is_plain_remote("unix:/tmp/milvus.sock")


def test_endpoint_key() -> None:
    remote = "http://gpu-box.lan:8000/v1"
    assert endpoint_key(remote, None, env_name="K", section="llm") is None  # no key: nothing to protect
    assert endpoint_key("https://gpu-box.lan/v1", "sk", env_name="K", section="llm") == "sk"
    assert endpoint_key("http://127.0.0.1:8000/v1", "sk", env_name="K", section="llm") == "sk"
    assert endpoint_key(remote, "sk", env_name="K", section="llm", allowed=True) == "sk"
    with pytest.raises(ConfigError) as err:
        endpoint_key(
            "http://root:pw@milvus.lan:19530", "root:Milvus", env_name="MILVUS_TOKEN", section="milvus",
            url_key="uri", env_key="token_env", opt_in="allow_http_token",
        )  # fmt: skip
    message, fix = err.value.message, err.value.fix or ""
    assert "$MILVUS_TOKEN" in message and "milvus.uri: http://root:****@milvus.lan:19530" in message
    assert "root:Milvus" not in message and "pw@" not in message
    assert "milvus.token_env" in fix and "milvus.allow_http_token: true" in fix and "https://" in fix
