"""Opening and validating catalogue images.

:func:`open_bounded` is the one way the app opens an image file: header only, a pixel limit
enforced before any pixel is decoded (over it: :class:`ImageRejected`, one line, and Pillow's own
``DecompressionBombWarning`` is never printed), and a reason for formats Pillow lacks a plugin for
(HEIC/HEIF, AVIF, JPEG XL). :func:`load_rgb` builds on it to turn an image file (a catalogue item,
an image chosen for a query, a thumbnail) into RGB pixels (EXIF orientation
applied, alpha composited onto white, CMYK / greyscale / palette / 16-bit converted).
:func:`inspect_image` is the fast import-time check: header parse, a size limit enforced *before*
any pixel is decoded (decompression bombs), then a reduced-size decode (JPEG draft mode) or a chunk
CRC walk (PNG) that catches truncated files, and for JPEG a strict libjpeg-turbo pass
(:func:`check_jpeg_data`) that catches damaged data Pillow would silently decode as grey. :func:`validate_items` runs it over a catalogue on a
thread pool of every core, turning every failure into a :class:`Skip` with a human reason; a file
whose (size, mtime, ctime) equals what the previous import recorded (:class:`KnownImage`) is not read at
all (issue 19, point 5: a no-op re-import opens no image).
"""

from __future__ import annotations

import hashlib
import importlib
import io
import os
import re
import stat
import threading
import warnings
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO
from urllib.parse import unquote

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from sane_desktop.errors import InputError
from sane_desktop.catalogue.safepath import UnsafePath, check_relative, near_name, read_regular_file, resolve_inside
from sane_desktop.catalogue.types import ItemRecord, Skip, shown
from sane_desktop.progress import CancelCheck, Cancelled, Progress, never_cancel, no_progress

DEFAULT_MAX_PIXELS = 64_000_000
# The version of the import's image check: a catalogue records the one its images passed, and a
# file passed by an older one is read again (even unchanged). 2: JPEG data decoded strictly.
IMAGE_CHECK = 2
WHITE = (255, 255, 255)
_ORIENTATION_TAG = 0x0112
_SWAPPING_ORIENTATIONS = {5, 6, 7, 8}  # the ones that rotate by 90 degrees
_HIGH_BIT_DEPTH_MODES = {"I;16", "I;16L", "I;16B", "I;16N", "I", "F"}


class ImageRejected(InputError):
    """An image file the catalogue cannot use; the message is the human reason."""


def _register_optional_plugins() -> None:
    """Let Pillow open HEIC/HEIF (and AVIF on Pillow builds without it) where the plugin is installed."""
    try:
        importlib.import_module("pillow_heif").register_heif_opener()
    except Exception:  # not installed (the usual case) or broken: such files are skipped with a reason
        pass


_register_optional_plugins()

# ISO base media ("ftyp") brands of the image formats Pillow may lack a plugin for
_HEIF_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"hevm", b"hevs", b"mif1", b"msf1"}
_AVIF_BRANDS = {b"avif", b"avis"}
_JXL_SIGNATURES = (b"\xff\x0a", b"\x00\x00\x00\x0cJXL \r\n\x87\n")


def unsupported_format(header: bytes) -> str | None:
    """The reason a file Pillow could not identify is still an image: its format by content
    (HEIC/HEIF, AVIF, JPEG XL) and the plugin that would read it; None when it is no such image."""
    if header.startswith(_JXL_SIGNATURES):
        return "JPEG XL format not supported (install pillow-jxl-plugin)"
    if header[4:8] == b"ftyp":
        brands = {header[i:i + 4] for i in range(8, min(len(header), 64) - 3, 4)}
        if brands & _AVIF_BRANDS:
            return "AVIF format not supported (install pillow-avif-plugin, or Pillow >= 11.3 built with AVIF)"
        if brands & _HEIF_BRANDS:
            return "HEIC/HEIF format not supported (install pillow-heif)"
    return None


# warnings.catch_warnings() swaps process-wide state: the lock keeps our threads (validation pool,
# thumbnails, the worker) from restoring each other's filters half-way. Held for the header only.
_OPEN_LOCK = threading.Lock()


@contextmanager
def open_bounded(source: Path | str | IO[bytes], max_pixels: int = DEFAULT_MAX_PIXELS) -> Iterator[Image.Image]:
    """Open an image (header only) and check its size before anything is decoded.

    Raises:
        ImageRejected: not an image (with the missing plugin named for HEIC/AVIF/JPEG XL), an
            empty size, or more than ``max_pixels`` pixels (no Pillow warning is printed).
        OSError: the file cannot be read.
    """
    try:
        with _OPEN_LOCK, warnings.catch_warnings():
            # over Pillow's own limit it warns (once per size, on stderr): our limit below decides
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(source)
    except Image.DecompressionBombError as error:
        # the image's own size, from Pillow's words ("Image size (400000000 pixels) exceeds …"): a trial
        # read Pillow's threshold as the size of its 20000 × 20000 photo
        size = re.search(r"\((\d+) pixels\)", str(error))
        pixels = f"{int(size.group(1)):,} pixels" if size else f"more than {2 * (Image.MAX_IMAGE_PIXELS or 0):,} pixels"
        raise ImageRejected(
            f"image too large: {pixels} exceeds the {max_pixels:,}-pixel limit (possible decompression bomb; "
            "not decoded)"
        ) from None
    except UnidentifiedImageError:
        raise ImageRejected(_unidentified_reason(source)) from None
    with image:
        width, height = image.size
        if width <= 0 or height <= 0:
            raise ImageRejected(f"image header gives an empty size {width}x{height}")
        if width * height > max_pixels:
            raise ImageRejected(
                f"image too large: {width}x{height} = {width * height:,} pixels exceeds "
                f"the {max_pixels:,}-pixel limit (possible decompression bomb; not decoded)"
            )
        yield image


def _unidentified_reason(source: Path | str | IO[bytes]) -> str:
    try:
        if isinstance(source, (str, Path)):
            with open(source, "rb") as handle:
                header = handle.read(64)
        else:
            source.seek(0)
            header = source.read(64)
    except OSError:
        header = b""
    if not header:  # as the import says it, whichever path met the file first
        return "image file is empty (0 bytes)"
    return unsupported_format(header) or "not an image file (unrecognised format)"


def identify_image(path: Path, max_pixels: int = DEFAULT_MAX_PIXELS) -> str:
    """Pillow's format name for the file at ``path``, by content (its name is not looked at).

    Raises:
        ImageRejected: not a regular file, unreadable, or as :func:`open_bounded`.
    """
    try:
        if not stat.S_ISREG(path.stat().st_mode):  # a FIFO would block the read
            raise ImageRejected("not a regular file (folder, pipe, socket or device)")
        with open_bounded(path, max_pixels) as image:
            return image.format or "unknown"
    except OSError as error:
        raise ImageRejected(f"cannot read file: {error.strerror or error}") from None


@dataclass(frozen=True)
class ImageFacts:
    width: int  # after EXIF orientation
    height: int
    image_format: str
    image_mode: str
    content_hash: str  # sha256 of the file's bytes
    file_size: int | None = None  # bytes, from the stat taken just before the file was read
    file_mtime_ns: int | None = None  # st_mtime_ns of that stat
    file_ctime_ns: int | None = None  # st_ctime_ns of that stat


@dataclass(frozen=True, slots=True)  # slots: one per item, a million at scale
class KnownImage:
    """What the previous import recorded of one image file: its stat (size in bytes, mtime and
    ctime in ns) and the facts validation found. A file with the same (size, mtime, ctime) is taken
    as unchanged: rsync's rule of size and mtime, plus the ctime, which any write, rename over it or
    copy moves and user space cannot set back (a trial replaced a photo keeping its size and
    restoring its mtime: ``index`` said "current" while ``query`` saw the new photo). ``file_ctime_ns``
    None (recorded before revision 0009): size and mtime alone, the ctime recorded from then on."""

    file_size: int
    file_mtime_ns: int
    width: int
    height: int
    image_format: str
    image_mode: str
    content_hash: str
    file_ctime_ns: int | None = None


def _to_rgb(image: Image.Image) -> Image.Image:
    if image.mode in _HIGH_BIT_DEPTH_MODES:
        # Pillow's own I;16 -> L conversion clips instead of scaling; scale the full range down.
        values = np.asarray(image, dtype=np.float64)
        if values.size and values.max() > 255:
            values = values / 257.0
        grey = Image.fromarray(np.clip(np.rint(values), 0, 255).astype(np.uint8), "L")
        return grey.convert("RGB")
    has_alpha = image.mode in ("RGBA", "LA", "PA", "RGBa", "La") or (
        image.mode == "P" and "transparency" in image.info
    )
    if has_alpha:
        rgba = image.convert("RGBA")
        background = Image.new("RGBA", rgba.size, WHITE + (255,))
        return Image.alpha_composite(background, rgba).convert("RGB")
    return image.convert("RGB")


def load_rgb(path: Path | str, max_side: int | None = None, max_pixels: int = DEFAULT_MAX_PIXELS,
             data: bytes | None = None) -> Image.Image:
    """Open an image as RGB, upright, alpha on white; with ``max_side`` a fast reduced decode
    (JPEG draft mode, then a thumbnail) whose longer side is at most ``max_side``. Every path that
    opens a user's image (import, query image, the GUI's image from disk, thumbnails) comes here.
    ``data``: the file's bytes when the caller has read them (``path`` then only names the file).

    Raises:
        ImageRejected: (an InputError) one line naming ``path``: missing, unreadable, not an image,
            an unsupported format, more than ``max_pixels`` pixels (checked before decoding), or
            corrupt data.
    """
    try:
        # the file read once: the strict JPEG pass and Pillow decode the same bytes (``data``: a caller
        # that hashed them read them already)
        data = read_regular_file(path) if data is None else data  # a pipe or device: refused, never waited on
        with open_bounded(io.BytesIO(data), max_pixels) as image:
            if image.format == "JPEG":
                check_jpeg_data(data)
                if max_side is not None:
                    image.draft(image.mode, (max_side, max_side))
            image.load()
            upright = ImageOps.exif_transpose(image)
            rgb = _to_rgb(upright)
    except ImageRejected as error:
        raise ImageRejected(f"{shown(str(path))}: {error}") from None
    except FileNotFoundError:
        raise ImageRejected(f"{shown(str(path))}: image file not found") from None
    except IsADirectoryError:
        raise ImageRejected(f"{shown(str(path))}: is a folder, not an image file") from None
    except (OSError, SyntaxError, ValueError, EOFError) as error:
        raise ImageRejected(f"{shown(str(path))}: cannot read image ({error})") from None
    if max_side is not None and max(rgb.size) > max_side:
        rgb.thumbnail((max_side, max_side), Image.Resampling.BILINEAR)
    return rgb


# libjpeg's warnings that mean lost or garbled blocks. Not every failure of the strict pass: a
# header libjpeg-turbo's TurboJPEG layer cannot classify (exotic sampling) is left to Pillow.
_JPEG_DAMAGE = re.compile(r"Corrupt JPEG data|Premature end of JPEG file|Inconsistent progression")
# ...except padding before the end-of-image marker, which some cameras and editors write: every
# pixel is decoded. A damaged stream also ends with "extraneous bytes", but thousands of them.
_JPEG_PADDING = re.compile(r"(\d+) extraneous bytes before marker 0xd9")
_MAX_JPEG_PADDING = 32  # bytes


def check_jpeg_data(data: bytes) -> None:
    """Raise :class:`ImageRejected` when a JPEG's entropy-coded data is damaged.

    Pillow (libjpeg) decodes a JPEG whose middle bytes were zeroed or garbled *without an error*,
    filling the lost blocks with grey: such a photo would be indexed and searched as a grey garment.
    libjpeg-turbo reports the damage as a warning ("Corrupt JPEG data: premature end of data
    segment"); simplejpeg's strict mode turns warnings into ``ValueError``. The decode is at 1/8
    scale, where every coefficient is still Huffman-decoded (about 0.5 ms for a 540 px photo).

    Raises:
        ImageRejected: the warning, in one line.
    """
    import simplejpeg  # libjpeg-turbo, bundled in its wheel

    try:
        header = simplejpeg.decode_jpeg_header(data)
        colourspace = {"CMYK": "CMYK", "Gray": "GRAY"}.get(str(header[2]), "RGB")
        simplejpeg.decode_jpeg(data, colorspace=colourspace, strict=True, min_height=0, min_width=0, min_factor=8)
    except ValueError as error:
        message = str(error).strip()
        padding = _JPEG_PADDING.search(message)
        if padding is not None and int(padding.group(1)) <= _MAX_JPEG_PADDING:
            return
        if _JPEG_DAMAGE.search(message):
            raise ImageRejected(f"corrupt JPEG data ({message}): parts of the photo are lost") from None


def _oriented_size(image: Image.Image) -> tuple[int, int]:
    width, height = image.size
    try:
        orientation = image.getexif().get(_ORIENTATION_TAG, 1)
    except Exception:  # a broken EXIF block is not worth refusing the image for
        orientation = 1
    return (height, width) if orientation in _SWAPPING_ORIENTATIONS else (width, height)


def _check_decodes(data: bytes, image: Image.Image) -> None:
    """Decode just enough to catch truncation, never the full pixels of a large JPEG."""
    if image.format == "JPEG":
        width, height = image.size
        image.draft(image.mode, (max(1, width // 8), max(1, height // 8)))
        image.load()
        check_jpeg_data(data)
    elif image.format == "PNG":
        with Image.open(io.BytesIO(data)) as fresh:
            fresh.verify()  # walks every chunk and checks its CRC without inflating pixels
    else:
        image.load()


def _missing_hint(path: Path) -> str:
    """What a missing photo's name is near: a table's "images\\t000.png" (written on Windows) names a
    file of that name here, not a folder; "IMG_1.JPG" for "img_1.jpg", or an "é" encoded otherwise,
    is another name here (trial T read "missing" beside the file)."""
    if "\\" in path.name:
        return f"; a backslash is no folder separator here: write the path with / ({path.name.replace(chr(92), '/')})"
    decoded = Path(unquote(str(path)))
    if "%" in str(path) and decoded != path and decoded.exists():  # a web address's "%20" for a space (trial V)
        return f"; {decoded.name} is there: the path is written URL-encoded (%20 for a space): write the name as the file has it"
    near = near_name(path)
    if near is None:
        return ""
    tail, differs = near
    return f"; {tail} is there, a name that differs only in {differs}: write the name as the file has it"


def _broken_link(root: Path, relative: str) -> str:
    """Why the photo at ``relative`` is a symbolic link to nothing ("" when it is not one)."""
    link = Path(root) / relative
    try:
        if not link.is_symlink() or link.exists():
            return ""
        return f"the photo is a broken link: it leads to {os.readlink(link)}, which is not there"
    except (OSError, ValueError):
        return ""


def inspect_image(path: Path, max_pixels: int = DEFAULT_MAX_PIXELS) -> ImageFacts:
    """Check one image file; raise :class:`ImageRejected` with a human reason if unusable."""
    try:
        before = path.stat()  # taken before reading: a file written meanwhile has a newer mtime next time
        mode = before.st_mode
        if stat.S_ISDIR(mode):
            raise ImageRejected("image path is a folder, not a file")
        if not stat.S_ISREG(mode):  # a FIFO or device would block the read, or never end
            raise ImageRejected("image path is not a regular file (pipe, socket or device)")
        data = read_regular_file(path)  # … and one swapped in since that look
    except FileNotFoundError:
        raise ImageRejected(f"image file is missing{_missing_hint(path)}") from None
    except IsADirectoryError:
        raise ImageRejected("image path is a folder, not a file") from None
    except OSError as error:
        raise ImageRejected(f"cannot read image file: {error.strerror or error}") from None
    if not data:
        raise ImageRejected("image file is empty (0 bytes)")
    try:
        with open_bounded(io.BytesIO(data), max_pixels) as image:
            image_format, image_mode = image.format or "", image.mode
            oriented = _oriented_size(image)
            _check_decodes(data, image)
    except ImageRejected:
        raise
    except (OSError, SyntaxError, ValueError, EOFError) as error:
        raise ImageRejected(f"truncated or corrupt image data: {error}") from None
    return ImageFacts(
        width=oriented[0],
        height=oriented[1],
        image_format=image_format,
        image_mode=image_mode,
        content_hash=hashlib.sha256(data).hexdigest(),
        file_size=before.st_size,
        file_mtime_ns=before.st_mtime_ns,
        file_ctime_ns=before.st_ctime_ns,
    )


def _reuse_known(real_root: str, item: ItemRecord, known: KnownImage | None, folders: dict[str, str | None]) -> bool:
    """Fill ``item`` from ``known`` when its file still has that size, mtime and ctime; False when it must
    be read (changed, unknown, gone, a symlink, or a path validation will judge).

    The cheap form of :func:`resolve_inside` for the common case: the item's folder is resolved
    once per folder (``folders`` caches it; None: outside the root), and the file itself must be a
    regular file, not a link (a link goes the full way, through the worker)."""
    if known is None:
        return False
    try:
        clean = check_relative(item.image_path)
    except UnsafePath:
        return False
    parent, _, name = clean.rpartition("/")
    if parent not in folders:
        real = os.path.realpath(os.path.join(real_root, parent)) if parent else real_root
        folders[parent] = real if real == real_root or real.startswith(real_root + os.sep) else None
    folder = folders[parent]
    if folder is None:
        return False
    try:
        now = os.lstat(os.path.join(folder, name))
    except OSError:
        return False
    if not stat.S_ISREG(now.st_mode) or now.st_size != known.file_size or now.st_mtime_ns != known.file_mtime_ns:
        return False
    if known.file_ctime_ns is not None and now.st_ctime_ns != known.file_ctime_ns:
        return False
    item.width, item.height = known.width, known.height
    item.image_format, item.image_mode = known.image_format, known.image_mode
    item.content_hash = known.content_hash
    item.file_size, item.file_mtime_ns = known.file_size, known.file_mtime_ns
    item.file_ctime_ns = now.st_ctime_ns  # equal to the known one, or recorded now for the first time
    return True


def _validate_one(root: Path, item: ItemRecord, max_pixels: int) -> Skip | None:
    broken = _broken_link(root, item.image_path)
    if broken:  # said as a link (trial CG read "image file is missing" and "resolves outside" of dangling links)
        return Skip(item.item_id, item.image_path, broken, "item")
    try:
        path = resolve_inside(root, item.image_path)
        facts = inspect_image(path, max_pixels)
    except (UnsafePath, ImageRejected) as error:
        return Skip(item.item_id, item.image_path, str(error), "item")
    except Exception as error:  # a decoder bug on a hostile file must not stop the whole import
        return Skip(item.item_id, item.image_path, f"cannot read image: {type(error).__name__}: {error}", "item")
    item.width, item.height = facts.width, facts.height
    item.image_format, item.image_mode = facts.image_format, facts.image_mode
    item.content_hash = facts.content_hash
    item.file_size, item.file_mtime_ns, item.file_ctime_ns = facts.file_size, facts.file_mtime_ns, facts.file_ctime_ns
    return None


# items in flight at once: bounds the futures held (one per item would be ~1 KB each at 1M items)
VALIDATE_WINDOW = 4096


def validate_items(
    root: Path,
    items: Sequence[ItemRecord],
    *,
    max_pixels: int = DEFAULT_MAX_PIXELS,
    workers: int | None = None,
    progress: Progress = no_progress,
    should_stop: CancelCheck = never_cancel,
    known: Mapping[str, KnownImage] | None = None,
) -> tuple[list[ItemRecord], list[Skip]]:
    """Validate every item's image (filling its image facts and file stat); return the usable
    items, in their original order, and one :class:`Skip` per rejected item.

    ``known``: image path (as in the item) -> what the previous import recorded; an item whose file
    still has that (size, mtime, ctime) takes those facts without its file being opened. ``workers``
    defaults to every core (hashing and decoding release the GIL). Raises :class:`Cancelled` on stop.
    """
    total = len(items)
    message = "Checking images"
    progress(0, total, message)
    skips: dict[int, Skip] = {}
    report_every = max(1, total // 200)
    known = known or {}
    real_root = os.path.realpath(root)
    folders: dict[str, str | None] = {}  # relative folder -> its real path (None: outside the root)
    executor = ThreadPoolExecutor(max_workers=workers or os.cpu_count() or 2, thread_name_prefix="validate")
    done = 0
    try:
        for start in range(0, total, VALIDATE_WINDOW):
            window = items[start : start + VALIDATE_WINDOW]
            # an unchanged file costs one stat: done here, a thread-pool round trip would cost more
            reused = [_reuse_known(real_root, item, known.get(item.image_path), folders) for item in window]
            done += sum(reused)
            futures = {executor.submit(_validate_one, root, item, max_pixels): start + i
                       for i, item in enumerate(window) if not reused[i]}
            if not futures and (done % report_every < len(window) or done == total):
                progress(done, total, message)
            if should_stop():
                raise Cancelled("image validation cancelled")
            for future in as_completed(futures):
                if should_stop():
                    raise Cancelled("image validation cancelled")
                skip = future.result()
                if skip is not None:
                    skips[futures[future]] = skip
                done += 1
                if done % report_every == 0 or done == total:
                    progress(done, total, message)
    finally:
        executor.shutdown(wait=True, cancel_futures=True)
    kept = [item for index, item in enumerate(items) if index not in skips]
    return kept, [skips[index] for index in sorted(skips)]
