"""One unit of ingest work (a file, or a file inside another) and how it is read: load ▸ chunk.

Reading happens on the indexer's reader thread, ahead of the encoder. A file that carries other
files (an e-mail's attachments) gives one job per attachment of a supported type, before its own:
the container's rows are written last, so it is complete only once its parts are (an interrupted
run redoes it). An attachment is identified by its container and its name (:func:`part_id`), so
an e-mail saved again with the same attachment costs no embedding for it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ingest.chunker import Chunk, Chunker
from ingest.formats import load, supported
from ingest.ids import part_id, part_source
from ingest.loaders.base import LoadedDocument, LoadOptions
from ingest.walk import oserror_reason
from rag_app.errors import IngestError
from rag_app.store import DocState

MAX_DEPTH = 3  # e-mails attached to e-mails attached to e-mails: deeper parts are not read


@dataclass
class Job:
    path: Path  # a file; for a part, its container's path + "#name" (used for display and the source)
    doc_id: str
    content_hash: str
    size: int
    mtime: int
    previous: DocState | None
    parent_id: str = ""  # the top-level file's document, for parts
    data: bytes | None = None  # a part's bytes (a file's are read from disk)
    depth: int = 0
    doc: LoadedDocument | None = None
    chunks: list[Chunk] = field(default_factory=list)
    error: str | None = None
    fix: str | None = None
    status: str = ""  # "unchanged": a part already stored as it is; "skipped": a part of an unknown type
    parts: list[str] | None = None  # for a container: the doc ids of its parts in this version

    @property
    def source(self) -> str:
        return str(self.path) if self.parent_id else str(self.path.resolve())


Loader = Callable[[Path, bytes, LoadOptions], LoadedDocument]


def read(
    job: Job, chunker: Chunker, options: LoadOptions, stored: dict[str, DocState], load_fn: Loader = load
) -> list[Job]:
    """Load and chunk ``job``; returns the jobs of its parts (attachments) first, then ``job``.
    ``load_fn`` reads the bytes (the indexer passes its loader worker's: :mod:`ingest.loader_process`).

    A file is re-read and re-hashed here, so one that changed after planning is ingested as its
    current content. Errors land in ``job.error`` (a loader bug must not stop the other files).
    """
    try:
        data = job.data if job.data is not None else job.path.read_bytes()
        job.data = None
        job.content_hash = hashlib.sha256(data).hexdigest()
        job.size = len(data)
        job.doc = load_fn(job.path, data, options)
        if job.parent_id and job.doc.title == job.path.stem:  # "report", not "mail.eml#report"
            job.doc.title = Path(job.path.name.rsplit("#", 1)[-1]).stem
        job.chunks = chunker.split(job.doc)
        if not job.chunks:
            job.error = "no text found"
    except IngestError as exc:
        job.error, job.fix = exc.message.removeprefix(f"{job.path}: "), exc.fix
    except OSError as exc:
        job.error = oserror_reason(exc)
    except Exception as exc:
        job.error = f"{type(exc).__name__}: {exc}"
    if job.error or job.doc is None or not job.doc.attachments:
        return [job]
    parts: list[Job] = []
    root = job.parent_id or job.doc_id
    for attachment in job.doc.attachments:
        doc_id = part_id(job.doc_id, attachment.name)
        part = Job(
            Path(part_source(job.source, attachment.name)),
            doc_id,
            hashlib.sha256(attachment.data).hexdigest(),
            len(attachment.data),
            job.mtime,
            stored.get(doc_id),
            parent_id=root,
            data=attachment.data,
            depth=job.depth + 1,
        )
        if not supported(Path(attachment.name)) or part.depth > MAX_DEPTH:
            part.status = "skipped"
        elif part.previous is not None and part.previous.complete(part.content_hash):
            part.status = "unchanged"
        else:
            parts.extend(read(part, chunker, options, stored, load_fn)[:-1])
        parts.append(part)
    job.doc.attachments = []  # the bytes are in the parts now
    job.parts = [p.doc_id for p in parts if p.status != "skipped"]
    return [*parts, job]
