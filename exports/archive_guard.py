"""The one check every uploaded ZIP (an XLSX is one) passes before anything parses it: entry count, encryption,
declared uncompressed size and compression ratio. Python's zipfile never inflates an entry past its declared
size, so the declared sizes bound what parsing can unpack, and a bomb is refused from its directory alone."""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass


class ArchiveRefused(ValueError):
    """An archive refused before parsing; the message says why in the user's terms."""


@dataclass(frozen=True)
class ArchiveLimits:
    """How much an archive may hold."""

    max_entries: int = 500
    max_uncompressed: int = 50 * 1024 * 1024  # the sum of the entries' declared sizes
    max_ratio: int = 200  # declared size / compressed size of one entry; real XLSX parts stay far below


DEFAULT_LIMITS = ArchiveLimits()


def check_archive(
    data: bytes, limits: ArchiveLimits = DEFAULT_LIMITS, label: str = "The file"
) -> list[zipfile.ZipInfo]:
    """The archive's entries when it is within `limits`; ArchiveRefused saying which limit it broke otherwise."""
    try:
        infos = zipfile.ZipFile(io.BytesIO(data)).infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError):
        raise ArchiveRefused(f"{label} is damaged: it is not a readable .xlsx or .zip file.") from None
    if len(infos) > limits.max_entries:
        raise ArchiveRefused(f"{label} holds {len(infos)} entries; at most {limits.max_entries} are accepted.")
    total = 0
    for info in infos:
        if info.flag_bits & 0x1:
            raise ArchiveRefused(f"{label} is encrypted; remove the password and try again.")
        if info.file_size < 0 or info.compress_size < 0:
            raise ArchiveRefused(f"{label} is damaged.")
        total += info.file_size
    if total > limits.max_uncompressed:
        raise ArchiveRefused(
            f"{label} unpacks to {total // (1024 * 1024):,} MB; at most "
            f"{limits.max_uncompressed // (1024 * 1024):,} MB are accepted."
        )
    for info in infos:
        ratio = info.file_size // max(info.compress_size, 1)
        if ratio > limits.max_ratio and info.file_size > 1024 * 1024:
            raise ArchiveRefused(
                f"{label} is not accepted: its part {info.filename!r} unpacks {ratio:,} times larger than it is "
                f"stored (at most {limits.max_ratio} times), as a ZIP bomb does."
            )
    return infos
