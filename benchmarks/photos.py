"""Photo processing (photos/processing.py) on phone-sized files made with Pillow: the median time
to check, decode, re-encode, thumbnail and hash one photo, the time to refuse a decompression bomb
and a truncated file, and what decoding a large JPEG at a reduced scale (Pillow's `draft`) saves
against decoding it whole. Peak memory is each case's maximum resident size in a fresh process.
With --reuse N, instead: the "after photo re-used" check on N stored photos, before and after its
indexes (benchmarks/photo_reuse.py).

    .venv/bin/python benchmarks/photos.py [--repeat 5] [--reuse 200000]
"""

import argparse
import contextlib
import io
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from PIL import Image  # noqa: E402
from timing import median_seconds  # noqa: E402

from photos import processing  # noqa: E402
from tests import photo_files as files  # noqa: E402


def half(data: bytes) -> bytes:
    return data[: len(data) // 2]


def cases() -> dict:
    return {
        "JPEG 12 MP (4000x3000)": files.jpeg_with_gps(seed=1, size=(4000, 3000)),
        "JPEG 48 MP (8000x6000)": files.jpeg_with_gps(seed=2, size=(8000, 6000)),
        "HEIC 12 MP (4000x3000)": files.encode(files.picture(3, (4000, 3000)), "HEIF", quality=80),
        "PNG 2 MP (1920x1080)": files.encode(files.picture(4, (1920, 1080)), "PNG"),
        "bomb PNG 20000x20000": files.png_of_size(20000, 20000),
        "truncated JPEG 12 MP": half(files.jpeg_with_gps(seed=5, size=(4000, 3000))),
    }


def run_once(data: bytes):
    with contextlib.suppress(processing.PhotoError):
        processing.process(data)


def decode(data: bytes, draft: bool):
    image = Image.open(io.BytesIO(data))
    if draft:
        image.draft("RGB", (2048, 2048))
    image.load()
    image.thumbnail((2048, 2048))


# VmHWM (the peak resident size of this process's memory), reset by exec unlike getrusage's maxrss,
# which a child inherits from its parent on Linux.
PEAK = """
import sys
sys.path[:0] = [".", "benchmarks"]
from benchmarks.photos import run_once


def hwm():
    return next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM"))


data = open(sys.argv[1], "rb").read()
before = hwm()
run_once(data)
print(before, hwm())
"""


def peak_mb(data: bytes) -> tuple[float, float]:
    """(resident MB before, peak MB after) of a fresh process that processes `data` once."""
    with tempfile.NamedTemporaryFile(suffix=".img") as held:
        held.write(data)
        held.flush()
        out = subprocess.run(
            [sys.executable, "-c", PEAK, held.name], cwd=ROOT, capture_output=True, text=True, check=True
        )
    before, after = (int(v) / 1024 for v in out.stdout.split())
    return before, after


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--reuse", type=int, default=0, help="photos stored for the reuse check")
    args = parser.parse_args()
    if args.reuse:
        from photo_reuse import run  # sets up Django on a database of its own

        return run(args.reuse, args.repeat)
    made = cases()
    print(f"{'case':28} {'bytes':>11} {'median s':>9} {'RSS before':>10} {'peak MB':>8}")
    for name, data in made.items():
        seconds = median_seconds(lambda data=data: run_once(data), args.repeat)
        before, after = peak_mb(data)
        print(f"{name:28} {len(data):>11,} {seconds:>9.3f} {before:>10.0f} {after:>8.0f}", flush=True)
    big = made["JPEG 48 MP (8000x6000)"]
    drafted, whole = (
        median_seconds(lambda: decode(big, True), args.repeat),
        median_seconds(lambda: decode(big, False), args.repeat),
    )
    ratio = whole / drafted
    print(f"48 MP JPEG to 2048 px: decoded at a reduced scale {drafted:.3f} s, whole {whole:.3f} s ({ratio:.1f}x)")


if __name__ == "__main__":
    main()
