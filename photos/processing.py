"""An uploaded photo made safe to store and publish, in plain Python (no Django, no HTTP).

What arrives is hostile until proven otherwise: the type is read from the bytes (never the file
name or the declared content type), the pixel count is checked from the header before anything
is decoded (a 20000x20000 PNG of one colour is a few hundred kilobytes on the wire and 1.2 GB
once decoded), the file is verified and decoded whole (a truncated file fails here, not later),
and what is kept is re-encoded from the pixels alone: the EXIF orientation is applied first, the
colours are brought to sRGB from any embedded ICC profile, and nothing of the original's
metadata (EXIF with its GPS position, device and owner, XMP, ICC profile, text chunks) is
written out. Every failure is a PhotoError with a code the protocols turn into a 400.

Decoding is the cost (a 49-megapixel PNG is about a second of a core to inflate): `measure` reads
what a photo will cost from its header alone, in pixels decoded, so a caller can be charged and
refused before any pixel is decoded (photos/cost.py). JPEG is decoded at a reduced scale when the
stored size allows (draft); other formats are box-reduced to near the stored size first thing after
decoding, so the rest of the work (orientation, colours, resampling) handles a few megapixels.
"""

import io
import warnings
from dataclasses import dataclass
from typing import Any

import imagehash
from PIL import Image, ImageCms, ImageFile, ImageOps
from pillow_heif import register_heif_opener

register_heif_opener()

# Pillow format name -> the media type of what was uploaded.
ACCEPTED = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp", "HEIF": "image/heic"}
# ISO BMFF brands of HEVC-coded HEIF (phones' HEIC); AVIF and other BMFF files are not accepted.
HEIC_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx"}
STORED_TYPE = "image/jpeg"
THUMBNAIL_TYPE = "image/webp"
_SRGB = ImageCms.createProfile("sRGB")


class PhotoError(ValueError):
    """Why an upload is refused. code: too_large, unsupported_type, too_many_pixels, malformed."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Limits:
    max_bytes: int = 10 * 1024 * 1024
    max_pixels: int = 50_000_000
    max_edge: int = 2048
    thumbnail_edge: int = 320
    quality: int = 85


@dataclass(frozen=True)
class Measured:
    format: str
    width: int
    height: int
    decoded_pixels: int  # what decoding will produce (JPEG: at the draft scale)


@dataclass(frozen=True)
class Processed:
    uploaded_type: str
    image: bytes  # JPEG, at most max_edge on its long side
    width: int
    height: int
    thumbnail: bytes  # WebP, at most thumbnail_edge on its long side
    thumbnail_width: int
    thumbnail_height: int
    phash: str  # 64-bit perceptual hash, 16 hex digits


def sniff(data: bytes) -> str | None:
    """The Pillow format the bytes are in, among the accepted ones, or None."""
    if data[:3] == b"\xff\xd8\xff":
        return "JPEG"
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        return "PNG"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WEBP"
    if data[4:8] == b"ftyp":
        size = int.from_bytes(data[:4], "big")
        brands = {data[8:12]} | {data[i : i + 4] for i in range(16, min(size, len(data), 256), 4)}
        if brands & HEIC_BRANDS:
            return "HEIF"
    return None


def _describe(data: bytes) -> str:
    """A name for a refused type, for the error message."""
    if data[:4] == b"GIF8":
        return "GIF"
    if data[4:8] == b"ftyp":
        return f"ISO media ({data[8:12].decode('ascii', 'replace')})"
    if data[:2] in (b"BM", b"II", b"MM"):
        return "BMP or TIFF"
    if data[:5] == b"%PDF-":
        return "PDF"
    return "not an image type we recognise"


def _open(data: bytes, fmt: str, limits: Limits) -> Image.Image:
    with warnings.catch_warnings():
        # Pillow's own bomb check only warns below twice its limit: make it refuse.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        image = Image.open(io.BytesIO(data), formats=[fmt])
    width, height = image.size
    if width < 1 or height < 1:
        raise PhotoError("malformed", "the image has no pixels")
    if width * height > limits.max_pixels:
        raise PhotoError(
            "too_many_pixels",
            f"the image is {width}x{height} pixels ({width * height:,}); at most {limits.max_pixels:,} are accepted",
        )
    return image


def _to_srgb(image: Image.Image) -> Image.Image:
    """RGB pixels in sRGB: transparency flattened onto white, an embedded profile applied."""
    icc = image.info.get("icc_profile")
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        image = Image.new("RGB", rgba.size, (255, 255, 255))
        image.paste(rgba, mask=rgba.getchannel("A"))
    elif image.mode not in ("RGB", "CMYK"):
        image = image.convert("RGB")
    if icc:
        try:
            source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
            return ImageCms.profileToProfile(image, source, _SRGB, outputMode="RGB")
        except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
            pass  # a broken profile: keep the pixels as they are
    return image.convert("RGB")


def _drafted(data: bytes, fmt: str, limits: Limits) -> Image.Image:
    image = _open(data, fmt, limits)
    if fmt == "JPEG":
        # Decode at a reduced scale when the stored size allows: less memory and time per photo.
        image.draft("RGB", (limits.max_edge, limits.max_edge))
    return image


REDUCIBLE = ("L", "LA", "RGB", "RGBA", "CMYK", "I", "F")


def _shrunk(image: Image.Image, edge: int) -> Image.Image:
    """Box-reduced by a whole factor to no less than `edge` on its long side: every later step
    then works on a few megapixels, not fifty (a 7000-pixel PNG: 2,333 pixels, 1/9 of the work)."""
    factor = max(image.size) // edge
    if factor < 2:
        return image
    info = image.info
    if image.mode not in REDUCIBLE:  # bilevel, palette, 16-bit: to pixels that can be averaged
        alpha = image.mode in ("PA", "RGBa", "La") or "transparency" in info
        image = image.convert("RGBA" if alpha else "L" if image.mode in ("1", "I;16") else "RGB")
    reduced = image.reduce(factor)
    reduced.info = info  # EXIF orientation and ICC profile still to be applied
    return reduced


def _decode(data: bytes, fmt: str, limits: Limits) -> Image.Image:
    _open(data, fmt, limits).verify()  # structure and checksums; the object is unusable after it
    image = _drafted(data, fmt, limits)
    # A truncated or corrupt file fails here, unless a library has set Pillow's process-wide
    # LOAD_TRUNCATED_IMAGES (WeasyPrint does on import): refuse to decode with it on.
    if ImageFile.LOAD_TRUNCATED_IMAGES:
        raise RuntimeError("Pillow's LOAD_TRUNCATED_IMAGES is on: truncated photos would pass")
    image.load()
    return _shrunk(image, limits.max_edge)


def _encode(image: Image.Image, fmt: str, **options: Any) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **options)
    return out.getvalue()


def _format(data: bytes, limits: Limits) -> str:
    if len(data) > limits.max_bytes:
        raise PhotoError("too_large", f"the photo is {len(data):,} bytes; at most {limits.max_bytes:,} are accepted")
    fmt = sniff(data)
    if fmt is None:
        raise PhotoError(
            "unsupported_type", f"{_describe(data)}: photos must be JPEG, PNG, WebP or HEIC (read from the bytes)"
        )
    return fmt


def measure(data: bytes, limits: Limits = Limits()) -> Measured:
    """Type, size and decoding cost from the header alone (nothing decoded); PhotoError as process()."""
    fmt = _format(data, limits)
    try:
        width, height = _open(data, fmt, limits).size
        decoded = _drafted(data, fmt, limits).size
    except PhotoError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise PhotoError("too_many_pixels", "the image is too large to decode") from None
    except Exception as exc:
        raise PhotoError("malformed", f"the {fmt} file cannot be read: {str(exc)[:200]}") from None
    return Measured(fmt, width, height, decoded[0] * decoded[1])


def process(data: bytes, limits: Limits = Limits()) -> Processed:
    fmt = _format(data, limits)
    try:
        image = _decode(data, fmt, limits)
        image = ImageOps.exif_transpose(image)
        image = _to_srgb(image)
        image.thumbnail((limits.max_edge, limits.max_edge), Image.Resampling.LANCZOS, reducing_gap=3.0)
        # A new image from the pixels alone: no info dict, so no EXIF, XMP, ICC or text can follow.
        clean = Image.frombytes("RGB", image.size, image.tobytes())
        thumb = clean.copy()
        thumb.thumbnail((limits.thumbnail_edge, limits.thumbnail_edge), Image.Resampling.LANCZOS)
        return Processed(
            uploaded_type=ACCEPTED[fmt],
            image=_encode(clean, "JPEG", quality=limits.quality, optimize=True),
            width=clean.width,
            height=clean.height,
            thumbnail=_encode(thumb, "WEBP", quality=80, method=4),
            thumbnail_width=thumb.width,
            thumbnail_height=thumb.height,
            phash=str(imagehash.phash(clean)),
        )
    except PhotoError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning, MemoryError):
        raise PhotoError("too_many_pixels", "the image is too large to decode") from None
    except Exception as exc:
        raise PhotoError("malformed", f"the {fmt} file cannot be read: {str(exc)[:200]}") from None


def distance(a: str, b: str) -> int:
    """Hamming distance between two perceptual hashes (hex)."""
    return (int(a, 16) ^ int(b, 16)).bit_count()


def signed(phash: str) -> int:
    """A 64-bit hash as PostgreSQL's signed bigint, so the database can compare them."""
    value = int(phash, 16)
    return value - (1 << 64) if value >= 1 << 63 else value
