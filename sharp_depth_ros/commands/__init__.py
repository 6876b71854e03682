"""Sub-commands of `sharp-depth`; one module per command (see `sharp_depth_ros.cli`)."""
