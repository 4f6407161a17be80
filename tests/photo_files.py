"""Real image files for the photo tests, made with Pillow (and pillow-heif for HEIC), with the
metadata a phone writes: EXIF with a GPS position, the device and its owner, XMP, text chunks."""

import io
import random
import struct
import zlib

from PIL import Image, ImageDraw
from PIL.TiffImagePlugin import IFDRational
from pillow_heif import register_heif_opener

register_heif_opener()

# The values planted in the EXIF: none of them may be found in anything stored.
GPS_LATITUDE = ((13, 1), (45, 1), (2263, 100))  # 13° 45' 22.63" N (Bangkok)
GPS_LONGITUDE = ((100, 1), (30, 1), (671, 100))  # 100° 30' 6.71" E
MAKE, MODEL, ARTIST = "AcmePhone", "AP-9000 Secret Edition", "Somchai Owner-Of-Phone"
XMP = b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:Description GPSLatitude="13,45.377N"/></x:xmpmeta>'
TEXT = "Somchai's home, 45/6 Sukhumvit"


def picture(seed: int, size=(640, 480)) -> Image.Image:
    """A picture with structure (perceptual hashes of flat images say nothing): random shapes."""
    rng = random.Random(seed)
    image = Image.new("RGB", size, tuple(rng.randrange(256) for _ in range(3)))
    draw = ImageDraw.Draw(image)
    for _ in range(40):
        x0, y0 = rng.randrange(size[0]), rng.randrange(size[1])
        x1, y1 = x0 + rng.randrange(20, size[0] // 2), y0 + rng.randrange(20, size[1] // 2)
        draw.rectangle((x0, y0, x1, y1), fill=tuple(rng.randrange(256) for _ in range(3)))
    return image


def exif(orientation: int = 1) -> Image.Exif:
    data = Image.Exif()
    data[0x010F] = MAKE
    data[0x0110] = MODEL
    data[0x013B] = ARTIST
    data[0x0112] = orientation
    gps = data.get_ifd(0x8825)
    gps[1], gps[2] = "N", tuple(IFDRational(*value) for value in GPS_LATITUDE)
    gps[3], gps[4] = "E", tuple(IFDRational(*value) for value in GPS_LONGITUDE)
    return data


def encode(image: Image.Image, fmt: str, **options) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **options)
    return out.getvalue()


def jpeg_with_gps(seed=1, size=(640, 480), orientation=1) -> bytes:
    return encode(picture(seed, size), "JPEG", exif=exif(orientation), quality=90)


def jpeg_inverted(seed=1, size=(640, 480)) -> bytes:
    """The picture of `seed` in negative: its perceptual hash differs in 62 or more of 64 bits
    (measured on 200 seeds), where two unrelated pictures of random shapes can be as close as 22."""
    from PIL import ImageOps

    return encode(ImageOps.invert(picture(seed, size)), "JPEG", exif=exif(), quality=90)


def png_with_metadata(seed=2) -> bytes:
    from PIL import PngImagePlugin

    info = PngImagePlugin.PngInfo()
    info.add_text("Author", ARTIST)
    info.add_itxt("Comment", TEXT)
    info.add_text("XML:com.adobe.xmp", XMP.decode())
    return encode(picture(seed), "PNG", pnginfo=info, exif=exif())


def webp_with_metadata(seed=3) -> bytes:
    return encode(picture(seed), "WEBP", exif=exif(), xmp=XMP, quality=90)


def heic_with_gps(seed=4) -> bytes:
    return encode(picture(seed), "HEIF", exif=exif().tobytes(), quality=90)


def gps_bytes() -> list[bytes]:
    """The GPS rationals as EXIF stores them (either byte order): none may be in a stored file."""
    seconds = [GPS_LATITUDE[2], GPS_LONGITUDE[2]]
    return [struct.pack(order + "II", *value) for value in seconds for order in "<>"]


def png_of_size(width: int, height: int) -> bytes:
    """A valid one-colour 1-bit PNG of any size, written row by row through zlib: a bomb of
    20000x20000 is 400 million pixels (1.2 GB decoded as RGB) in about 60 kB, made without ever
    holding the image (Pillow would need 400 MB to build it)."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    compressor = zlib.compressobj(9)
    row = b"\x00" + b"\x00" * ((width + 7) // 8)
    data = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", data) + chunk(b"IEND", b"")


def random_bytes(n=5000, seed=7) -> bytes:
    return random.Random(seed).randbytes(n)


def gif(seed=5) -> bytes:
    return encode(picture(seed), "GIF")


def remove_stored(django_db_blocker, complaint_ids=None) -> None:
    """Deletes the stored files (image and thumbnail) of the test database's photos, or of these
    complaints' photos, so a module's files leave storage with it."""
    from photos.models import Photo

    with django_db_blocker.unblock():
        photos = Photo.objects.all() if complaint_ids is None else Photo.objects.filter(complaint_id__in=complaint_ids)
        for photo in photos:
            for stored in (photo.image, photo.thumbnail):
                if stored.name:  # a photo without a thumbnail has nothing to delete
                    stored.storage.delete(stored.name)
