"""What an uploaded file really is, read from its first bytes, whatever its name says.

A file called 組織図.pdf that is really an executable is refused; a PDF saved as
組織図.dat is accepted and stored as .pdf. Office files are ZIP (xlsx, docx, pptx)
or OLE (xls, doc, ppt) containers; the ZIP ones are opened to check which.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import Path

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class FileKind:
    mime: str
    extension: str


PDF = FileKind("application/pdf", ".pdf")
PNG = FileKind("image/png", ".png")
JPEG = FileKind("image/jpeg", ".jpg")
GIF = FileKind("image/gif", ".gif")
XLSX = FileKind("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ".xlsx")
DOCX = FileKind("application/vnd.openxmlformats-officedocument.wordprocessingml.document", ".docx")
PPTX = FileKind("application/vnd.openxmlformats-officedocument.presentationml.presentation", ".pptx")
_OLE_EXTENSIONS = {
    ".xls": "application/vnd.ms-excel",
    ".doc": "application/msword",
    ".ppt": "application/vnd.ms-powerpoint",
}

ALLOWED_DESCRIPTION = _("PDF, PNG, JPEG or GIF images, or Excel, Word or PowerPoint files")


def _ooxml(upload) -> FileKind | None:
    try:
        upload.seek(0)
        with zipfile.ZipFile(upload) as archive:
            names = archive.namelist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return None
    finally:
        upload.seek(0)
    if "[Content_Types].xml" not in names:
        return None
    if any(n.startswith("xl/") for n in names):
        return XLSX
    if any(n.startswith("word/") for n in names):
        return DOCX
    if any(n.startswith("ppt/") for n in names):
        return PPTX
    return None


def sniff(upload, original_name: str = "") -> FileKind | None:
    """The allowed kind the content matches, or None."""
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith((b"GIF87a", b"GIF89a")):
        return GIF
    if head.startswith(b"PK\x03\x04"):
        return _ooxml(upload)
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        # OLE containers hold all three old Office formats; the name picks which.
        suffix = Path(original_name).suffix.lower()
        if suffix not in _OLE_EXTENSIONS:
            suffix = ".xls"
        return FileKind(_OLE_EXTENSIONS[suffix], suffix)
    return None
