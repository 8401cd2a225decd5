"""The README documents every command and every setting (datasette's test_docs habit)."""

from __future__ import annotations

from pathlib import Path

import click
import pytest

from analytics.cli import main

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def _commands(group: click.Group, prefix: str = "coe"):
    for name, command in group.commands.items():
        full = f"{prefix} {name}"
        if isinstance(command, click.Group):
            yield from _commands(command, full)
        else:
            yield full, command


COMMANDS = sorted(_commands(main), key=lambda c: c[0])


@pytest.mark.parametrize("name", [name for name, _ in COMMANDS])
def test_every_command_is_in_the_readme(name):
    assert f"`{name}" in README, f"README does not document `{name}`"


@pytest.mark.parametrize(
    ("name", "option"),
    [
        (name, opt)
        for name, command in COMMANDS
        for param in command.params
        if isinstance(param, click.Option)
        for opt in param.opts
        if opt.startswith("--") and opt not in ("--help", "--store", "--format")
    ],
)
def test_every_option_is_in_the_readme(name, option):
    assert option in README, f"README does not mention {option} of `{name}`"


@pytest.mark.parametrize("setting", ["COE_STORE", "COE_MODEL", "COE_DEVICE"])
def test_every_environment_setting_is_in_the_readme(setting):
    assert setting in README
