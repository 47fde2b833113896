"""`gridpay --help` reads each command's help from its source: it says what the command itself says."""

from importlib import import_module
from pathlib import Path

import gridpay.interfaces.cli.management.commands as commands_package
from gridpay.interfaces.cli.overview import COMMANDS, HOMES, _help_in_source, overview


def test_each_listed_help_is_the_commands_own() -> None:
    for name in COMMANDS:
        home = HOMES.get(name, "gridpay.interfaces.cli")
        module = import_module(f"{home}.management.commands.{name.replace('-', '_')}")
        assert f"  {module.Command.help}" in overview(), name


def test_every_gridpay_command_is_listed() -> None:
    directory = Path(str(commands_package.__file__)).parent
    names = {path.stem.replace("_", "-") for path in directory.glob("*.py") if path.stem != "__init__"}
    assert names | set(HOMES) <= set(COMMANDS)


def test_a_help_built_at_import_is_not_guessed_from_the_source() -> None:
    source = 'class Command:\n    help = "命令：" + "、".join(NAMES)\n'
    assert _help_in_source(source) is None
    assert _help_in_source('class Command:\n    help = "命令"\n') == "命令"
