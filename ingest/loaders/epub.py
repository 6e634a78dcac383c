"""EPUB 2 and 3 e-books: the chapters in reading order, each chapter's title as the outer heading.

An EPUB is a zip: ``META-INF/container.xml`` names the package document, whose spine lists the
chapters (XHTML) in reading order; the table of contents (EPUB 3 ``nav``, EPUB 2 ``toc.ncx``) gives
their titles. Each chapter is read by the HTML loader, so its own headings nest under the chapter:
"Chapter 2 > The storm". DRM-encrypted books are refused with a clear reason.
"""

from __future__ import annotations

import posixpath
import zipfile
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from ingest.loaders.base import DEFAULT_OPTIONS, LoadedDocument, LoadOptions, Section
from ingest.loaders.html import load_html
from rag_app.errors import IngestError

_CONTAINER = "{urn:oasis:names:tc:opendocument:xmlns:container}"
_OPF = "{http://www.idpf.org/2007/opf}"
_DC = "{http://purl.org/dc/elements/1.1/}"
_NCX = "{http://www.daisy.org/z3986/2005/ncx/}"
_XHTML = "{http://www.w3.org/1999/xhtml}"
_EPUB = "{http://www.idpf.org/2007/ops}"
_FONT_OBFUSCATION = ("http://www.idpf.org/2008/embedding", "http://ns.adobe.com/pdf/enc#RC")


def _xml(archive: zipfile.ZipFile, name: str) -> Any:
    from defusedxml.ElementTree import fromstring

    return fromstring(archive.read(name))


def _href(base: str, href: str) -> str:
    """A manifest or TOC link as a member name of the zip (relative to ``base``, no fragment)."""
    return posixpath.normpath(posixpath.join(posixpath.dirname(base), unquote(href.split("#", 1)[0])))


def _check_drm(archive: zipfile.ZipFile) -> None:
    if "META-INF/encryption.xml" not in archive.namelist():
        return
    root = _xml(archive, "META-INF/encryption.xml")
    methods = {m.get("Algorithm", "") for m in root.iter() if m.tag.endswith("EncryptionMethod")}
    if methods - set(_FONT_OBFUSCATION):  # obfuscated fonts are common and harmless
        raise IngestError("the e-book is DRM-protected (its chapters are encrypted)")


def _toc_titles(
    archive: zipfile.ZipFile, opf_name: str, opf: Any, manifest: dict[str, Any]
) -> dict[str, str]:
    """Chapter file -> its title in the table of contents (the first entry that points at it)."""
    titles: dict[str, str] = {}
    nav = next((i for i in manifest.values() if "nav" in (i.get("properties") or "").split()), None)
    if nav is not None:
        name = _href(opf_name, nav.get("href", ""))
        root = _xml(archive, name)
        for toc in root.iter(f"{_XHTML}nav"):
            if toc.get(f"{_EPUB}type") not in (None, "toc"):
                continue
            for a in toc.iter(f"{_XHTML}a"):
                text = " ".join("".join(a.itertext()).split())
                if a.get("href") and text:
                    titles.setdefault(_href(name, a.get("href")), text)
        if titles:
            return titles
    spine = opf.find(f"{_OPF}spine")
    ncx_item = manifest.get(spine.get("toc", "") if spine is not None else "")
    if ncx_item is not None:
        name = _href(opf_name, ncx_item.get("href", ""))
        for point in _xml(archive, name).iter(f"{_NCX}navPoint"):
            label = point.find(f"{_NCX}navLabel/{_NCX}text")
            content = point.find(f"{_NCX}content")
            if label is not None and content is not None and label.text:
                titles.setdefault(_href(name, content.get("src", "")), " ".join(label.text.split()))
    return titles


def load_epub(path: Path, data: bytes, options: LoadOptions = DEFAULT_OPTIONS) -> LoadedDocument:
    import io
    from xml.etree.ElementTree import ParseError

    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise IngestError(f"{path}: not an EPUB (not a zip archive)") from exc
    sections: list[Section] = []
    try:
        _check_drm(archive)
        rootfile = _xml(archive, "META-INF/container.xml").find(f".//{_CONTAINER}rootfile")
        if rootfile is None:
            raise IngestError("no package document in META-INF/container.xml")
        opf_name = rootfile.get("full-path", "")
        opf = _xml(archive, opf_name)
        manifest = {i.get("id"): i for i in opf.iter(f"{_OPF}item")}
        title = " ".join((opf.findtext(f".//{_DC}title") or "").split())
        titles = _toc_titles(archive, opf_name, opf, manifest)
        for ref in opf.iter(f"{_OPF}itemref"):
            item = manifest.get(ref.get("idref"))
            if item is None or "html" not in (item.get("media-type") or ""):
                continue
            name = _href(opf_name, item.get("href", ""))
            chapter = load_html(Path(name), archive.read(name), options)
            outer = titles.get(name, "")
            for s in chapter.sections:
                inner = s.heading if s.heading != outer else ""
                heading = " > ".join(h for h in (outer, inner) if h)
                sections.append(Section(s.text, heading=heading))
    except IngestError as exc:
        raise IngestError(f"{path}: {exc.message}", fix=exc.fix) from exc
    except (KeyError, ParseError, ValueError) as exc:  # a missing member, broken XML, defusedxml refusals
        raise IngestError(f"{path}: corrupt EPUB ({type(exc).__name__}: {exc})") from exc
    finally:
        archive.close()
    return LoadedDocument(path, title or path.stem, sections)
