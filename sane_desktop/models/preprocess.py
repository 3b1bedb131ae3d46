"""Image preprocessing shared by training, indexing and explanation: short side to ``size``,
centre crop, ImageNet normalisation. Stored in every checkpoint so that indexing matches training."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from PIL import Image

from sane_desktop.catalogue.images import load_rgb

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


def _load_rgb(path: Path | str, max_side: int | None = None, data: bytes | None = None) -> Image.Image:
    # The catalogue package owns image opening: EXIF, alpha, CMYK, and the pixel limit checked
    # before decoding, so a query image or an image from disk is bounded like an imported one.
    return load_rgb(path, max_side=max_side, data=data)


def resize_crop(image: Image.Image, size: int) -> Image.Image:
    """Resize the short side to ``size`` and take the centre ``size``×``size`` crop."""
    width, height = image.size
    scale = size / min(width, height)
    new_w, new_h = max(size, round(width * scale)), max(size, round(height * scale))
    image = image.resize((new_w, new_h), Image.Resampling.BILINEAR)
    left, top = (new_w - size) // 2, (new_h - size) // 2
    return image.crop((left, top, left + size, top + size))


@dataclass
class Preprocessing:
    size: int = 112
    mean: tuple[float, float, float] = IMAGENET_MEAN
    std: tuple[float, float, float] = IMAGENET_STD

    def to_uint8(self, image: Image.Image) -> torch.Tensor:
        """Resized, cropped image as a uint8 tensor (3, size, size): the compact cache form."""
        array = np.asarray(resize_crop(image.convert("RGB"), self.size), dtype=np.uint8)
        return torch.from_numpy(array.copy()).permute(2, 0, 1).contiguous()

    def normalise(self, batch: torch.Tensor) -> torch.Tensor:
        """uint8 (..., 3, H, W) -> normalised float tensor, on the batch's device."""
        # one multiply-add on a fresh float copy: a third of the time of (x / 255 - mean) / std
        std = torch.tensor(self.std, device=batch.device).view(3, 1, 1)
        scale = 1.0 / (255.0 * std)
        shift = -torch.tensor(self.mean, device=batch.device).view(3, 1, 1) / std
        return batch.float().mul_(scale).add_(shift)

    @classmethod
    def for_trunk(cls, trunk: str, size: int) -> Preprocessing:
        """The input scaling a trunk's weights expect: ImageNet mean/std, except EfficientNet-Lite's
        TF-Lite convention mean = std = 0.5 (inputs in [-1, 1])."""
        if trunk.startswith("efficientnet_lite0"):  # the plain trunk and its colour-cells variant
            return cls(size=size, mean=(0.5, 0.5, 0.5), std=(0.5, 0.5, 0.5))
        return cls(size=size)

    def __call__(self, image: Image.Image) -> torch.Tensor:
        return self.normalise(self.to_uint8(image))

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["mean"], data["std"] = list(self.mean), list(self.std)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Preprocessing:
        return cls(
            size=int(data.get("size", 112)),
            mean=tuple(float(v) for v in data.get("mean", IMAGENET_MEAN)),  # type: ignore[arg-type]
            std=tuple(float(v) for v in data.get("std", IMAGENET_STD)),  # type: ignore[arg-type]
        )


def load_image_uint8(path: Path | str, prep: Preprocessing, data: bytes | None = None) -> torch.Tensor:
    """Decode once at reduced size (JPEG draft mode) and return the uint8 cache form. ``data``: the
    file's bytes when the caller read (and hashed) them, so what is decoded is what was hashed.

    Raises:
        ImageRejected: (an InputError) one line naming the file: missing, not an image, over the
            pixel limit (refused before decoding), corrupt.
    """
    return prep.to_uint8(_load_rgb(path, max_side=prep.size * 2, data=data))


def load_image_tensor(path: Path | str, prep: Preprocessing, data: bytes | None = None) -> torch.Tensor:
    """Normalised float tensor (3, size, size) of the image at ``path`` (``data``: its bytes, already read).

    Raises:
        ImageRejected: as :func:`load_image_uint8`.
    """
    return prep.normalise(load_image_uint8(path, prep, data))
