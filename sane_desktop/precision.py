"""Where the app computes in bf16: the one place that decides it.

By default bf16 autocast runs on CUDA only — most CPUs have no fast bf16, and the CPU paths stay
fp32 so that results there are exact. ``BF16_DEVICE_TYPES`` is the switch: the test suite adds
``"cpu"`` to run the mixed-precision code paths (dtype plumbing, casts back to fp32) on machines
without a GPU, as CI is; a CPU with native bf16 (AMX) could do the same for speed.
"""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext

import torch

BF16_DEVICE_TYPES: set[str] = {"cuda"}


def uses_bf16(device: torch.device | str) -> bool:
    """Whether work on ``device`` runs under bf16 autocast."""
    return torch.device(device).type in BF16_DEVICE_TYPES


def autocast(device: torch.device | str, enabled: bool = True) -> AbstractContextManager:
    """bf16 autocast on devices that use it, else a no-op context."""
    device = torch.device(device)
    if enabled and uses_bf16(device):
        return torch.autocast(device.type, dtype=torch.bfloat16)
    return nullcontext()
