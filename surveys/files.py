"""What an uploaded file really is, read from its first bytes, whatever its name says.

A file called 組織図.pdf that is really an executable is refused; a PDF saved as
組織図.dat is accepted and stored as .pdf, and downloads as 組織図.pdf (download_name):
what comes back is always named and typed after what the content is. Office files are
ZIP (xlsx, docx, pptx) or OLE (xls, doc, ppt) containers, opened to check which; other
OLE files (installers, mail) and macro-enabled documents are refused.
"""

from __future__ import annotations

import re
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import PurePosixPath

import olefile
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
XLS = FileKind("application/vnd.ms-excel", ".xls")
DOC = FileKind("application/msword", ".doc")
PPT = FileKind("application/vnd.ms-powerpoint", ".ppt")

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
    if any(n.lower().endswith("vbaproject.bin") for n in names):
        return None  # a macro-enabled workbook or document (.xlsm, .docm) under another name
    if any(n.startswith("xl/") for n in names):
        return XLSX
    if any(n.startswith("word/") for n in names):
        return DOCX
    if any(n.startswith("ppt/") for n in names):
        return PPTX
    return None


KINDS = {k.extension: k for k in (PDF, PNG, JPEG, GIF, XLSX, DOCX, PPTX, XLS, DOC, PPT)}


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
        return _ole(upload)
    return None


def _ole(upload) -> FileKind | None:
    """OLE containers hold the old Office formats, but also installers (.msi), Outlook
    messages and more: only a container with Word's, Excel's or PowerPoint's main stream
    is accepted, and its kind comes from that stream, never from the name."""
    try:
        upload.seek(0)
        with olefile.OleFileIO(upload) as ole:
            streams = {"/".join(entry) for entry in ole.listdir(streams=True, storages=False)}
    except (OSError, ValueError, IndexError, TypeError):
        return None
    finally:
        upload.seek(0)
    if "_VBA_PROJECT_CUR/VBA/dir" in streams or "Macros/VBA/dir" in streams:
        return None  # macros
    if "WordDocument" in streams:
        return DOC
    if "Workbook" in streams or "Book" in streams:
        return XLS
    if "PowerPoint Document" in streams:
        return PPT
    return None


# Characters that have no place in a file name a person downloads: path separators,
# characters Windows refuses, controls, and invisible format characters such as the
# right-to-left override that makes "fdp.exe" read as "exe.pdf".
_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f]')


def download_name(original: str, extension: str, *, fallback: str = "file") -> str:
    """The person's own file name with the extension the content was found to have:
    組織図.bat holding a PDF downloads as 組織図.pdf."""
    name = unicodedata.normalize("NFKC", PurePosixPath(original.replace("\\", "/")).name)
    name = "".join(ch for ch in name if unicodedata.category(ch) not in ("Cf", "Cc", "Co", "Cs"))
    stem = _UNSAFE.sub("_", PurePosixPath(name).stem if "." in name.lstrip(".") else name)
    stem = stem.strip(" .")[:80].strip(" .") or fallback
    return f"{stem}{extension}"


def safe_component(text: str, *, limit: int = 60) -> str:
    """A folder or label inside a ZIP: no separators, no dot-dot, no invisible characters."""
    text = unicodedata.normalize("NFKC", text)
    text = "".join(ch for ch in text if unicodedata.category(ch) not in ("Cf", "Cc", "Co", "Cs"))
    return _UNSAFE.sub("_", text).strip(" .")[:limit].strip(" .")


def stored_kind(stored_name: str, recorded_type: str = "") -> FileKind:
    """The kind of a stored upload: its stored extension was set from the sniffed content."""
    kind = KINDS.get(PurePosixPath(stored_name).suffix.lower())
    return kind or FileKind(recorded_type or "application/octet-stream", "")
