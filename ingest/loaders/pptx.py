"""PPTX: one section per slide (python-pptx): its title, text in reading order, tables and notes."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from ingest.loaders.archive import check_zip
from ingest.loaders.base import DEFAULT_OPTIONS, LoadedDocument, LoadOptions, Section
from rag_app.errors import IngestError

if TYPE_CHECKING:
    from pptx.shapes.base import BaseShape


def _shape_lines(shapes: Iterable[BaseShape]) -> list[str]:
    """Text of shapes in reading order: top to bottom, then left to right."""
    from pptx.enum.shapes import MSO_SHAPE_TYPE
    from pptx.shapes.autoshape import Shape
    from pptx.shapes.graphfrm import GraphicFrame
    from pptx.shapes.group import GroupShape

    lines: list[str] = []
    for shape in sorted(shapes, key=lambda s: (s.top or 0, s.left or 0)):
        # shape_type is read for every shape: one python-pptx cannot classify fails the file.
        if shape.shape_type == MSO_SHAPE_TYPE.GROUP and isinstance(shape, GroupShape):
            lines.extend(_shape_lines(shape.shapes))
        elif isinstance(shape, GraphicFrame) and shape.has_table:
            lines.append("")  # a table apart from the text around it: its header row leads each chunk
            for row in shape.table.rows:
                cells = [" ".join(cell.text.split()) for cell in row.cells]
                if any(cells):
                    lines.append(" | ".join(cells))
            lines.append("")
        elif isinstance(shape, Shape) and shape.has_text_frame:
            text = shape.text_frame.text.replace("\v", "\n")
            lines.extend(line.strip() for line in text.splitlines() if line.strip())
    return lines


def load_pptx(path: Path, data: bytes, options: LoadOptions = DEFAULT_OPTIONS) -> LoadedDocument:
    """One section per slide: the title is the heading, then the body text, tables and notes."""
    import io

    check_zip(path, data, "PPTX")
    sections: list[Section] = []
    first_title = ""
    try:
        from pptx import Presentation

        presentation = Presentation(io.BytesIO(data))
        core_title = (presentation.core_properties.title or "").strip()
        for number, slide in enumerate(presentation.slides, start=1):
            title_shape = slide.shapes.title
            heading = ""
            if title_shape is not None and title_shape.has_text_frame:
                heading = " ".join(title_shape.text_frame.text.split())
            first_title = first_title or heading
            others = [s for s in slide.shapes if title_shape is None or s.shape_id != title_shape.shape_id]
            lines = _shape_lines(others)
            if slide.has_notes_slide:
                frame = slide.notes_slide.notes_text_frame
                notes = frame.text.replace("\v", "\n").strip() if frame is not None else ""
                if notes:
                    lines += ["Notes:", notes]
            text = "\n".join(lines).strip() or heading  # a title-only slide still gets found by its title
            if text:
                sections.append(Section(text, page=number, heading=heading))
    except Exception as exc:  # zipfile, lxml and python-pptx errors alike
        raise IngestError(f"{path}: corrupt PPTX ({type(exc).__name__}: {exc})") from exc
    return LoadedDocument(path, core_title or first_title or path.stem, sections)
