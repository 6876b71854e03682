"""The `sharp-depth` parser: every sub-command registered alike."""

from __future__ import annotations

import argparse

import pytest

from sharp_depth_ros.cli import build_parser

COMMANDS = ["bag", "eval", "export", "predict", "synth", "train"]


def _subparsers() -> argparse._SubParsersAction:
    parser = build_parser()
    return next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))


def test_every_command_module_is_registered_with_its_help_line():
    subparsers = _subparsers()
    assert sorted(subparsers.choices) == COMMANDS
    help_lines = {action.dest: action.help for action in subparsers._choices_actions}
    assert help_lines["export"] == "export the network as ONNX"
    assert all(help_lines[name] for name in COMMANDS)


@pytest.mark.parametrize("name", COMMANDS)
def test_the_description_is_the_module_docstring_after_its_summary(name):
    import importlib

    module = importlib.import_module(f"sharp_depth_ros.commands.{name}")
    summary, body = module.__doc__.split("\n\n", 1)
    description = _subparsers().choices[name].description
    assert description == body.strip() and summary not in description


@pytest.mark.parametrize("name", ["bag", "eval", "predict"])
def test_commands_that_run_the_network_share_the_model_arguments(name):
    group = next(g for g in _subparsers().choices[name]._action_groups if g.title == "model")
    options = [action.option_strings[0] for action in group._group_actions]
    assert options == [
        "--preset",
        "--config",
        "--checkpoint",
        "--device",
        "--precision",
        "--backend",
        "--edge-refinement",
    ]
