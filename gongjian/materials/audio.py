"""Audio intake for the loudspeaker (小喇叭) recordings: the type is sniffed from the bytes, never
taken from the name or the browser. Pure functions, no ORM.

Accepted: WAV (a RIFF container of form ``WAVE`` with a ``fmt `` chunk), MP3 (an ID3v2 tag followed
by an MPEG audio frame, or an MPEG-1/2/2.5 Layer III frame at the start) and M4A (an ISO media file
whose ``ftyp`` brand is an audio brand, or whose only media handler is sound)."""

from __future__ import annotations

import hashlib
import struct
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from gongjian.archives.uploads import FileRejected, safe_name

MEGABYTE = 1024 * 1024
AUDIO_TYPES = {"wav": "audio/wav", "mp3": "audio/mpeg", "m4a": "audio/mp4"}
_M4A_BRANDS = {b"M4A ", b"M4B ", b"F4A "}
_ISO_BRANDS = {b"isom", b"iso2", b"mp41", b"mp42", b"dash"}


@dataclass(frozen=True)
class AcceptedAudio:
    name: str
    kind: str  # "audio"
    content_type: str
    content: bytes
    sha256: str


def _is_mpeg_frame(header: bytes) -> bool:
    """An MPEG audio frame header of Layer III with a valid bitrate and sample rate."""
    if len(header) < 4 or header[0] != 0xFF or (header[1] & 0xE0) != 0xE0:
        return False
    version = (header[1] >> 3) & 0b11  # 01 is reserved
    layer = (header[1] >> 1) & 0b11  # 01 is Layer III
    bitrate = header[2] >> 4  # 0000 free, 1111 bad
    sample_rate = (header[2] >> 2) & 0b11  # 11 reserved
    return version != 0b01 and layer == 0b01 and bitrate not in (0, 15) and sample_rate != 0b11


def _mp3(data: bytes) -> bool:
    if data.startswith(b"ID3") and len(data) >= 10:
        size_bytes = data[6:10]
        if any(b & 0x80 for b in size_bytes):
            return False
        size = 0
        for b in size_bytes:
            size = (size << 7) | b
        start = 10 + size + (10 if data[5] & 0x10 else 0)
        # Some encoders pad after the tag: find the first frame in the next few bytes.
        window = data[start : start + 4096]
        return any(_is_mpeg_frame(window[i : i + 4]) for i in range(max(0, len(window) - 3)))
    return _is_mpeg_frame(data[:4])


def _wav(data: bytes) -> bool:
    if len(data) < 20 or data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        return False
    offset = 12
    while offset + 8 <= len(data) and offset < 1 << 20:
        chunk_id, size = data[offset : offset + 4], struct.unpack("<I", data[offset + 4 : offset + 8])[0]
        if chunk_id == b"fmt ":
            return size >= 16
        offset += 8 + size + (size & 1)
    return False


def _m4a(data: bytes) -> bool:
    if len(data) < 12 or data[4:8] != b"ftyp":
        return False
    brand = data[8:12]
    if brand in _M4A_BRANDS:
        return True
    if brand not in _ISO_BRANDS:
        return False
    handlers = set()
    index = data.find(b"hdlr")
    while index != -1 and len(handlers) < 10:
        handlers.add(data[index + 12 : index + 16])
        index = data.find(b"hdlr", index + 4)
    return b"soun" in handlers and b"vide" not in handlers


def sniff_audio(data: bytes) -> str | None:
    """``"wav"``, ``"mp3"``, ``"m4a"`` or None, from the bytes alone."""
    if _wav(data):
        return "wav"
    if _m4a(data):
        return "m4a"
    if _mp3(data):
        return "mp3"
    return None


def accept_audio(data: bytes, name: str, *, max_bytes: int) -> AcceptedAudio:
    """Check one audio upload, or raise FileRejected with a message for people."""
    if not data:
        raise FileRejected("empty", _("The file is empty."))
    if len(data) > max_bytes:
        raise FileRejected("too_large", _("The file is larger than %(limit)s MB.") % {"limit": max_bytes // MEGABYTE})
    ext = sniff_audio(data)
    if ext is None:
        raise FileRejected("not_audio", _("Only MP3, M4A or WAV audio files are accepted."))
    stem = safe_name(name).rsplit(".", 1)[0] or "audio"
    return AcceptedAudio(
        name=safe_name(f"{stem}.{ext}"),
        kind="audio",
        content_type=AUDIO_TYPES[ext],
        content=data,
        sha256=hashlib.sha256(data).hexdigest(),
    )


def tone_wav(*, seconds: float = 1.0, frequency: int = 440, rate: int = 8000) -> bytes:
    """A short sine tone as 16-bit mono WAV (the demo's loudspeaker recording, test files)."""
    import io
    import math
    import wave

    frames = int(seconds * rate)
    samples = b"".join(
        struct.pack("<h", int(12000 * math.sin(2 * math.pi * frequency * i / rate))) for i in range(frames)
    )
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(samples)
    return out.getvalue()
