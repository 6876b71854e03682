"""Synthetic RGB-D scenes with exact ground truth, shards, and training datasets (issue 4).

Import the submodules directly; this package imports nothing heavy (no Mitsuba, no torch).
"""
