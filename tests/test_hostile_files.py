"""Photos built to hurt the server: images nested in containers, sizes declared to explode.

Every photo format must be refused by its declared size, or by its format, before any pixel is
decoded. The memory test runs in a fresh process and reads its peak resident size (VmHWM), so
a decode that happens and is thrown away still shows.
"""

from __future__ import annotations

import io
import json
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import pytest
from PIL import Image

from pipelines.errors import BadInputError, LimitExceeded
from pipelines.images import PHOTO_FORMATS, load_image

ROOT = Path(__file__).resolve().parent.parent


def _png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def blank_png(width: int, height: int) -> bytes:
    """A valid 1-bit greyscale PNG of the given size: tiny on disk, huge once decoded."""
    row = b"\x00" + bytes((width + 7) // 8)  # filter byte + one bit per pixel
    packer = zlib.compressobj(9)
    data = b"".join(packer.compress(row) for _ in range(height)) + packer.flush()
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", data)
        + _png_chunk(b"IEND", b"")
    )


def icon_file(png: bytes, kind: int = 1) -> bytes:
    """An ICO (kind 1) or CUR (kind 2) file whose one entry is the given PNG.

    The directory entry says 0 x 0 (that is, 256 x 256); the real size is in the PNG inside.
    """
    directory = struct.pack("<HHH", 0, kind, 1)
    entry = struct.pack("<BBBBHHII", 0, 0, 0, 0, 1, 32, len(png), 6 + 16)
    return directory + entry + png


def gif_with_screen(width: int, height: int) -> bytes:
    """A GIF whose logical screen is width x height, holding one 1 x 1 frame."""
    screen = b"GIF89a" + struct.pack("<HHBBB", width, height, 0x80, 0, 0) + bytes(6)
    frame = b"\x2c" + struct.pack("<HHHHB", 0, 0, 1, 1, 0) + b"\x02\x02\x44\x01\x00"
    return screen + frame + b"\x3b"


@pytest.fixture(scope="module")
def icon_bombs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A 13000 x 13000 PNG (169 megapixels, 21 kB) inside an ICO and inside a CUR."""
    folder = tmp_path_factory.mktemp("bombs")
    png = blank_png(13000, 13000)
    files = {"ico": folder / "favicon.ico", "cur": folder / "pointer.cur"}
    files["ico"].write_bytes(icon_file(png, kind=1))
    files["cur"].write_bytes(icon_file(png, kind=2))
    return files


def test_an_icon_holding_a_huge_png_is_refused_without_decoding_it(
    icon_bombs: dict[str, Path],
) -> None:
    # Peak memory in a fresh process: a decode of the 13000 x 13000 PNG costs 160 MiB or more
    # (Pillow keeps one byte per pixel), so a growth of 40 MiB means nothing was decoded.
    script = (
        "import json, sys\n"
        "import numpy as np\n"
        "from pipelines.images import load_image\n"
        "def peak():\n"
        "    status = open('/proc/self/status').read()\n"
        "    return int(status.split('VmHWM:')[1].split()[0]) * 1024\n"
        "load_image(np.zeros((64, 64, 3), np.uint8))\n"
        "report = {}\n"
        "for path in sys.argv[1:]:\n"
        "    before = peak()\n"
        "    try:\n"
        "        load_image(path)\n"
        "        outcome = 'loaded'\n"
        "    except Exception as error:\n"
        "        outcome = type(error).__name__ + ': ' + getattr(error, 'message', str(error))\n"
        "    report[path] = {'growth': peak() - before, 'outcome': outcome}\n"
        "print(json.dumps(report))\n"
    )
    paths = [str(icon_bombs["ico"]), str(icon_bombs["cur"])]
    done = subprocess.run(
        [sys.executable, "-c", script, *paths],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    for path in paths:
        outcome, growth = report[path]["outcome"], report[path]["growth"]
        assert outcome.startswith("BadInputError"), (path, outcome)
        assert "ICO" in outcome and "JPEG, PNG or WebP" in outcome, outcome
        assert growth < 40 * 2**20, f"{path}: memory grew {growth / 2**20:.0f} MiB"


def test_formats_that_nest_images_or_run_programs_are_never_opened(tmp_path: Path) -> None:
    small = Image.new("RGB", (64, 64), (200, 150, 120))
    for kind in ("ICNS", "ICO", "TGA", "PCX", "SGI", "EPS"):
        buffer = io.BytesIO()
        if kind == "EPS":
            buffer.write(b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 64 64\nshowpage\n")
        else:
            small.save(buffer, format=kind)
        with pytest.raises(BadInputError, match="JPEG, PNG or WebP"):
            load_image(buffer.getvalue())
    assert set(PHOTO_FORMATS) == {"JPEG", "PNG", "WEBP", "GIF", "BMP", "TIFF"}


def test_an_animation_whose_canvas_declares_too_many_pixels_is_refused_by_its_header() -> None:
    with pytest.raises(LimitExceeded, match="megapixel"):
        load_image(gif_with_screen(20000, 20000))
    # The same file with a modest canvas is read (its one frame on a 64 x 64 canvas).
    assert load_image(gif_with_screen(64, 64)).pixels.shape == (64, 64, 3)
