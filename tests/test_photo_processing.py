"""photos/processing.py without HTTP or a database: real files made with Pillow go in, and what
comes out carries nothing of the original's metadata."""

import io

import pytest
from PIL import Image

from photos import processing
from photos.processing import Limits, PhotoError, process

from . import photo_files as files

PLANTED_TEXT = [b"Exif\x00\x00", b"AcmePhone", b"AP-9000", b"Somchai", b"Sukhumvit", b"xmpmeta", b"GPS"]


def assert_clean(data: bytes, fmt: str):
    image = Image.open(io.BytesIO(data))
    assert image.format == fmt
    assert len(image.getexif()) == 0
    assert not {"exif", "xmp", "icc_profile", "XML:com.adobe.xmp", "Author", "Comment"} & set(image.info)
    for planted in PLANTED_TEXT + files.gps_bytes():
        assert planted not in data, planted


def test_the_planted_metadata_is_really_in_the_inputs():
    # The check below means something only if the originals carry what it looks for.
    original = files.jpeg_with_gps()
    gps = Image.open(io.BytesIO(original)).getexif().get_ifd(0x8825)
    assert gps[2] == (13.0, 45.0, 22.63) and gps[1] == "N"
    assert any(b in original for b in files.gps_bytes()) and b"AcmePhone" in original
    assert b"Somchai" in files.png_with_metadata() and b"xmpmeta" in files.webp_with_metadata()
    assert Image.open(io.BytesIO(files.heic_with_gps())).getexif()[0x010F] == "AcmePhone"


@pytest.mark.parametrize(
    ("make", "uploaded"),
    [
        (files.jpeg_with_gps, "image/jpeg"),
        (files.png_with_metadata, "image/png"),
        (files.webp_with_metadata, "image/webp"),
        (files.heic_with_gps, "image/heic"),
    ],
)
def test_nothing_of_the_metadata_survives(make, uploaded):
    out = process(make())
    assert out.uploaded_type == uploaded
    assert (out.width, out.height) == (640, 480)
    assert_clean(out.image, "JPEG")
    assert_clean(out.thumbnail, "WEBP")


def test_exif_orientation_is_applied_before_the_metadata_goes():
    # Stored 200x100, left half red and right half blue, with orientation 6 ("rotate 90° clockwise
    # to display"): shown upright it is 100x200, red on top, blue below.
    image = Image.new("RGB", (200, 100), (255, 0, 0))
    image.paste((0, 0, 255), (100, 0, 200, 100))
    out = process(files.encode(image, "JPEG", exif=files.exif(orientation=6), quality=95))
    upright = Image.open(io.BytesIO(out.image)).convert("RGB")
    assert upright.size == (100, 200)
    top, bottom = upright.getpixel((50, 40)), upright.getpixel((50, 160))
    assert top[0] > 200 and top[2] < 60, top
    assert bottom[2] > 200 and bottom[0] < 60, bottom


def test_large_photos_are_kept_at_2048_and_thumbnails_at_320():
    out = process(files.jpeg_with_gps(size=(4000, 3000)))
    assert (out.width, out.height) == (2048, 1536)
    assert Image.open(io.BytesIO(out.image)).size == (2048, 1536)
    assert (out.thumbnail_width, out.thumbnail_height) == (320, 240)
    assert Image.open(io.BytesIO(out.thumbnail)).size == (320, 240)
    portrait = process(files.jpeg_with_gps(size=(600, 900)))
    assert (portrait.thumbnail_width, portrait.thumbnail_height) == (213, 320)


def test_the_same_picture_hashes_alike_and_another_does_not():
    a = process(files.jpeg_with_gps(seed=11)).phash
    again = process(files.encode(files.picture(11), "PNG")).phash  # same pixels, another format
    recompressed = process(files.encode(files.picture(11), "JPEG", quality=40)).phash
    other = process(files.jpeg_with_gps(seed=12)).phash
    assert len(a) == 16
    assert processing.distance(a, again) <= 2
    assert processing.distance(a, recompressed) <= 6
    assert processing.distance(a, other) > 12


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (files.jpeg_with_gps()[:4000], "malformed"),  # truncated
        (files.random_bytes(), "unsupported_type"),  # random bytes, whatever the name says
        (b"\xff\xd8\xff\xe0" + files.random_bytes(), "malformed"),  # a JPEG's magic, then noise
        (files.png_of_size(20000, 20000), "too_many_pixels"),  # past Pillow's own limit
        (files.png_of_size(9000, 9000), "too_many_pixels"),  # under Pillow's, over our 50 MP budget
        (files.gif(), "unsupported_type"),
        (b"%PDF-1.4\n" + files.random_bytes(), "unsupported_type"),
        (b"", "unsupported_type"),
    ],
    ids=["truncated", "random", "fake-jpeg", "bomb-20000", "bomb-9000", "gif", "pdf", "empty"],
)
def test_bad_files_are_refused_with_a_reason(data, code):
    with pytest.raises(PhotoError) as refused:
        process(data)
    assert refused.value.code == code


def test_the_bombs_are_valid_pngs_of_the_size_they_claim():
    assert Image.open(io.BytesIO(files.png_of_size(9000, 9000))).size == (9000, 9000)
    assert len(files.png_of_size(20000, 20000)) < 200_000


def test_the_size_limit_counts_bytes_before_anything_is_read():
    data = files.jpeg_with_gps()
    with pytest.raises(PhotoError) as refused:
        process(data, Limits(max_bytes=len(data) - 1))
    assert refused.value.code == "too_large"
    assert process(data, Limits(max_bytes=len(data))).width == 640


def test_type_is_read_from_the_bytes():
    assert processing.sniff(files.jpeg_with_gps()) == "JPEG"
    assert processing.sniff(files.png_with_metadata()) == "PNG"
    assert processing.sniff(files.webp_with_metadata()) == "WEBP"
    assert processing.sniff(files.heic_with_gps()) == "HEIF"
    assert processing.sniff(files.gif()) is None


def test_hashes_fit_a_signed_bigint():
    assert processing.signed("ffffffffffffffff") == -1
    assert processing.signed("7fffffffffffffff") == 2**63 - 1
    assert processing.signed("8000000000000000") == -(2**63)
