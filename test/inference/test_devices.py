"""Device helpers: freeing a dropped model's accelerator memory."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from sharp_depth_ros.inference import DepthPredictor
from sharp_depth_ros.inference.devices import free_accelerator_memory


def test_freeing_without_cuda_is_a_no_op() -> None:
    free_accelerator_memory()  # must not initialise CUDA or fail on a CPU-only machine


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_a_dropped_cuda_model_gives_all_its_memory_back() -> None:
    free_accelerator_memory()
    baseline_bytes = torch.cuda.memory_reserved()
    predictor = DepthPredictor.from_pretrained(device="cuda")  # the shipped default model
    rgb = np.random.default_rng(0).integers(0, 256, (480, 640, 3), dtype=np.uint8)
    assert np.isfinite(predictor.predict(rgb, 500.0).depth_m).any()
    used_bytes = torch.cuda.memory_reserved()
    assert used_bytes > baseline_bytes
    del predictor
    free_accelerator_memory()
    print(
        f"\nreserved: {baseline_bytes} B before, {used_bytes} B loaded, "
        f"{torch.cuda.memory_reserved()} B after freeing"
    )
    assert torch.cuda.memory_allocated() == 0
    assert torch.cuda.memory_reserved() == baseline_bytes
