"""One scene of the configured family: clutter (`scene_sampler.py`) or robot (`robot_scenes.py`).

The dispatcher lives apart from both families because the robot family builds on the clutter
family's config, lighting and slot layout: in `scene_sampler.py` it would close an import circle.
"""

from __future__ import annotations

import numpy as np

from sharp_depth_ros.data.robot_scenes import sample_robot_scene
from sharp_depth_ros.data.scene import SceneSpec
from sharp_depth_ros.data.scene_sampler import SceneConfig, sample_clutter_scene


def sample_scene(seed: int, config: SceneConfig) -> SceneSpec:
    """Draw one scene of the configured family (see `SceneConfig.family`).

    Args:
        seed: the sample seed (see `sample_seed`); equal seeds give equal scenes.
        config: the scene distribution.

    Returns:
        The scene with its camera, objects, lighting and a JSON-friendly `params` record.
    """
    family = config.family
    if family == "mix":
        # A separate stream: the scene itself is drawn from `seed` exactly as in its family.
        pick = np.random.default_rng([seed, 0x726F626F]).uniform()
        family = "robot" if pick < config.robot_fraction else "clutter"
    if family == "robot":
        return sample_robot_scene(seed, config)
    return sample_clutter_scene(seed, config)
