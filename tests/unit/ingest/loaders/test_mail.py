"""ingest.loaders.mail: subject as title, headers and body as text, attachments handed back."""

from __future__ import annotations

from email.message import EmailMessage
from pathlib import Path

from ingest.formats import load
from ingest.loaders.mail import attachment_name
from tests import docgen
from tests.unit.ingest.files import assert_ingest_error


def test_subject_headers_body_and_attachments(tmp_path: Path) -> None:
    path = docgen.email_file(
        tmp_path / "m.eml",
        "Quarterly numbers",
        "Hi team,\nthe numbers are attached.\nGrace",
        [("../../etc/numbers.csv", b"a,b\n1,2\n", "text/csv"), ("numbers.csv", b"c,d\n3,4\n", "text/csv")],
    )
    doc = load(path, path.read_bytes())
    assert doc.title == "Quarterly numbers"
    head, body = doc.sections
    assert head.text.splitlines()[0] == "From: Grace Hopper <grace@example.org>"
    assert "Subject: Quarterly numbers" in head.text
    assert head.text.splitlines()[-1] == "Attachments: numbers.csv, numbers (2).csv"
    assert (
        body.text.strip() == "Hi team,\nthe numbers are attached.\nGrace"
        and body.heading == "Quarterly numbers"
    )
    assert [(a.name, a.data) for a in doc.attachments] == [
        ("numbers.csv", b"a,b\n1,2\n"),  # a path in a file name is reduced to its last part
        ("numbers (2).csv", b"c,d\n3,4\n"),
    ]


def test_html_only_body_inline_images_and_attached_messages(tmp_path: Path) -> None:
    inner = EmailMessage()
    inner["Subject"] = "Original request"
    inner.set_content("Please send the report.")
    msg = EmailMessage()
    msg["Subject"] = "Fwd: request"
    msg.add_alternative("<html><body><h2>Note</h2><p>See <b>below</b>.</p></body></html>", subtype="html")
    msg.get_payload()[0].add_related(b"\x89PNG logo", maintype="image", subtype="png", cid="<logo>")
    msg.add_attachment(inner)
    path = tmp_path / "fwd.eml"
    path.write_bytes(msg.as_bytes())
    doc = load(path, path.read_bytes())
    assert [(s.heading, s.text) for s in doc.sections[1:]] == [("Fwd: request > Note", "See below .")]
    assert [a.name for a in doc.attachments] == ["Original request.eml"]  # the logo is not a document
    assert b"Please send the report." in doc.attachments[0].data


def test_names_and_errors(tmp_path: Path) -> None:
    assert attachment_name("C:\\Users\\me\\plan;v2.pdf", 1) == "plan_v2.pdf"
    assert attachment_name(None, 3, ".eml") == "attachment-3.eml"
    assert_ingest_error(tmp_path / "x.eml", b"\x00\x01\x02 not mail", "not an e-mail")
