"""Loudspeaker audio is recognised by its bytes: WAV, MP3 and M4A pass, anything else (a video, a
picture, a renamed text) is refused with a message for people."""

import struct

import pytest

from gongjian.archives.uploads import FileRejected
from gongjian.materials.audio import accept_audio, sniff_audio, tone_wav

MP3_FRAME = bytes([0xFF, 0xFB, 0x90, 0x64]) + b"\x00" * 400  # MPEG-1 Layer III, 128 kbit/s, 44.1 kHz


def _id3(body: bytes, size: int = 0) -> bytes:
    return b"ID3\x04\x00\x00" + bytes([0, 0, 0, size]) + b"\x00" * size + body


def _box(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", 8 + len(payload)) + kind + payload


def _mp4(brand: bytes, *handlers: bytes) -> bytes:
    hdlrs = b"".join(_box(b"hdlr", b"\x00" * 8 + h + b"\x00" * 12) for h in handlers)
    return _box(b"ftyp", brand + b"\x00\x00\x00\x00" + b"isom") + _box(b"moov", hdlrs)


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (tone_wav(seconds=0.1), "wav"),
        (MP3_FRAME, "mp3"),
        (_id3(MP3_FRAME, size=20), "mp3"),
        (_mp4(b"M4A "), "m4a"),
        (_mp4(b"isom", b"soun"), "m4a"),
        (_mp4(b"isom", b"vide", b"soun"), None),  # a video with sound is not a recording
        (_mp4(b"qt  ", b"soun"), None),
        (b"RIFF\x10\x00\x00\x00AVI LIST", None),
        (b"RIFF\x04\x00\x00\x00WAVE", None),  # no fmt chunk
        (_id3(b"not a frame", size=4), None),
        (bytes([0xFF, 0xFD, 0x90, 0x64]), None),  # Layer II
        (bytes([0xFF, 0xFB, 0xF0, 0x64]), None),  # bad bitrate
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, None),
        (b"%PDF-1.7\n", None),
        ("小喇叭用语".encode(), None),
        (b"", None),
    ],
)
def test_the_kind_of_audio_comes_from_the_bytes(data, expected):
    assert sniff_audio(data) == expected


def test_an_audio_upload_gets_the_extension_of_what_it_is():
    accepted = accept_audio(tone_wav(seconds=0.1), "小喇叭.mp3", max_bytes=1024 * 1024)
    assert (accepted.name, accepted.content_type) == ("小喇叭.wav", "audio/wav")


@pytest.mark.parametrize(
    ("data", "code"),
    [(b"", "empty"), (b"hello", "not_audio"), (tone_wav(seconds=1), "too_large")],
)
def test_other_files_are_refused_with_a_reason(data, code, english):
    with pytest.raises(FileRejected) as caught:
        accept_audio(data, "a.wav", max_bytes=4096)
    assert caught.value.code == code
    if code == "not_audio":
        assert str(caught.value.message) == "Only MP3, M4A or WAV audio files are accepted."
