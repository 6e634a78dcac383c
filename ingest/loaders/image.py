"""Images (PNG, JPEG, TIFF with all its pages): the text read by OCR, one section per page."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from ingest.loaders.base import DEFAULT_OPTIONS, LoadedDocument, LoadOptions, Section
from rag_app.errors import IngestError

if TYPE_CHECKING:
    from PIL.Image import Image


def _dpi(frame: Image) -> int | None:
    """The scan resolution the file declares (None: unknown, tesseract estimates it)."""
    dpi = frame.info.get("dpi")
    try:
        value = round(float(dpi[0])) if dpi else 0
    except (TypeError, ValueError, IndexError):
        value = 0
    return value if value >= 70 else None


def load_image(path: Path, data: bytes, options: LoadOptions = DEFAULT_OPTIONS) -> LoadedDocument:
    """Every frame of the image (a multi-page TIFF's pages) through tesseract."""
    import io

    from PIL import Image as PILImage
    from PIL import ImageSequence, UnidentifiedImageError

    from ingest import ocr

    if options.ocr == "never":
        raise IngestError(
            f"{path}: an image needs OCR, and ingest.ocr is never", fix="Set ingest.ocr: auto to read images."
        )
    try:
        im = PILImage.open(io.BytesIO(data))
        frames = getattr(im, "n_frames", 1)
    except (UnidentifiedImageError, OSError, ValueError, PILImage.DecompressionBombError) as exc:
        raise IngestError(f"{path}: not a readable image ({type(exc).__name__}: {exc})") from exc

    def pages() -> Iterator[tuple[Image, int | None]]:
        for frame in ImageSequence.Iterator(im):
            yield frame.convert("L"), _dpi(frame)

    try:
        texts = ocr.read_images(pages(), options, frames)
    except IngestError as exc:
        raise IngestError(f"{path}: {exc.message}", fix=exc.fix) from exc
    except (OSError, ValueError, PILImage.DecompressionBombError) as exc:
        raise IngestError(f"{path}: cannot decode the image ({type(exc).__name__}: {exc})") from exc
    finally:
        im.close()
    sections = [
        Section(text, page=n if frames > 1 else None, ocr=True)
        for n, text in enumerate(texts, start=1)
        if text.strip()
    ]
    if not sections:
        raise IngestError(f"{path}: OCR found no text in the image")
    return LoadedDocument(path, path.stem, sections)
