"""Every subcommand explains itself: `activity-tracker SUBCOMMAND --help` has a description, an
example and help for every option (issue 10, "CLI and bad input")."""

from __future__ import annotations

import argparse

import pytest

from tracker import cli

PARSER = cli.build_parser()
SUBCOMMANDS = next(a for a in PARSER._actions if isinstance(a, argparse._SubParsersAction)).choices


def help_of(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    with pytest.raises(SystemExit) as exc:
        cli.main([*argv, "--help"])
    assert exc.value.code == 0
    return capsys.readouterr().out


def test_every_subcommand_is_listed_with_a_summary(capsys) -> None:
    text = help_of(capsys)
    for name in ("gui", "demo", "create-user", "migrate", "export-ics", "import-ics", "import-roster",
                 "activities", "users", "screenshot"):
        assert name in SUBCOMMANDS and f"    {name}" in text
    assert "Exit codes: 0 done" in text and "SUBCOMMAND --help" in text


@pytest.mark.parametrize("name", sorted(SUBCOMMANDS))
def test_a_subcommands_help_has_a_description_an_example_and_help_for_every_option(name, capsys) -> None:
    parser = SUBCOMMANDS[name]
    assert parser.description and len(parser.description) > 40
    assert parser.epilog and "Example" in parser.epilog and f"activity-tracker {name}" in parser.epilog
    for action in parser._actions:
        assert action.help, f"{name}: {action.option_strings or action.dest} has no help"
    examples = help_of(capsys, name).split("Example", 1)[1].splitlines()[1:]
    # the example keeps its own indented line (the raw formatter does not re-wrap it)
    assert examples[0].startswith("  ") and f"activity-tracker {name}" in examples[0]


def test_commands_that_act_as_someone_say_who(capsys) -> None:
    assert "first active administrator" in help_of(capsys, "import-roster")
    text = help_of(capsys, "activities")
    assert "--user" in text and "--password-stdin" in text and "first active administrator" in text
