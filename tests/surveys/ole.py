"""A minimal OLE (Compound File Binary, version 3) writer for the upload tests.

Real .doc/.xls/.msi files are OLE containers told apart by the streams they hold:
Word's "WordDocument", Excel's "Workbook", an installer's tables. Each stream here is
padded to 4096 bytes so it lives in ordinary sectors (no mini stream is needed).
"""

from __future__ import annotations

import struct

SECTOR = 512
FREE, END, FATSECT = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD
NOSTREAM = 0xFFFFFFFF


def _entry(
    name: str, kind: int, *, right: int = NOSTREAM, child: int = NOSTREAM, start: int = END, size: int = 0
):
    encoded = (name + "\0").encode("utf-16-le")
    return (
        encoded.ljust(64, b"\0")
        + struct.pack("<HBB", len(encoded), kind, 1)
        + struct.pack("<III", NOSTREAM, right, child)
        + b"\0" * 16  # CLSID
        + b"\0" * 4  # state bits
        + b"\0" * 16  # creation and modification times
        + struct.pack("<IQ", start, size)
    )


def compound_file(streams: dict[str, bytes]) -> bytes:
    data_sectors: list[bytes] = []
    fat: list[int] = []
    starts = {}
    for name, content in streams.items():
        content = content.ljust(max(4096, len(content)), b"\0")
        content = content.ljust(-(-len(content) // SECTOR) * SECTOR, b"\0")
        starts[name] = (len(data_sectors), len(content))
        count = len(content) // SECTOR
        for i in range(count):
            data_sectors.append(content[i * SECTOR : (i + 1) * SECTOR])
            fat.append(len(data_sectors) if i < count - 1 else END)
    names = list(streams)
    entries = [_entry("Root Entry", 5, child=1 if names else NOSTREAM)]
    for i, name in enumerate(names, start=1):
        start, size = starts[name]
        entries.append(_entry(name, 2, right=i + 1 if i < len(names) else NOSTREAM, start=start, size=size))
    directory = b"".join(entries)
    directory = directory.ljust(-(-len(directory) // SECTOR) * SECTOR, b"\0")
    dir_start = len(data_sectors)
    dir_count = len(directory) // SECTOR
    for i in range(dir_count):
        data_sectors.append(directory[i * SECTOR : (i + 1) * SECTOR])
        fat.append(dir_start + i + 1 if i < dir_count - 1 else END)
    fat_sector = len(data_sectors)
    fat.append(FATSECT)
    fat_bytes = struct.pack(f"<{len(fat)}I", *fat).ljust(SECTOR, b"\xff")
    assert len(fat) <= SECTOR // 4, "one FAT sector is enough for the tests"
    header = (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
        + b"\0" * 16
        + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6)
        + b"\0" * 6
        + struct.pack("<IIIIIIIII", 0, 1, dir_start, 0, 4096, END, 0, END, 0)
        + struct.pack("<I", fat_sector)
        + struct.pack("<108I", *([FREE] * 108))
    )
    assert len(header) == SECTOR
    return header + b"".join(data_sectors) + fat_bytes
