"""The user's configuration file (``paperbrowse.config``): where it is looked for,
what a good file gives, the message each kind of bad file gives (file, line, key),
the ``[sources]`` → environment precedence, the remembered theme, and the command
line's warnings."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from paperbrowse import config as cfg
from paperbrowse.cli import cli
from paperbrowse.cli_context import Context
from paperbrowse.core.index import SORTS
from paperbrowse.core.locations import Locations

GOOD = """\
# my paperbrowse settings
[app]
sort = "date"
theme = "gruvbox"

[keys]
toggle_bookmark = "x"
export = "ctrl+e"

[sources]
arxiv_url = "http://localhost:8000/api/query"
hf_url = "https://hf.example.org/api/daily_papers"
crossref_url = "http://localhost:8001/works"
mailto = "me@example.org"
"""


@pytest.fixture(autouse=True)
def _no_user_config(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Never read the real user's config; leave no source variable behind."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    monkeypatch.delenv(cfg.CONFIG_VARIABLE, raising=False)
    for variable in cfg.SOURCE_VARIABLES.values():
        # setenv first so that monkeypatch restores (removes) what a test sets
        monkeypatch.setenv(variable, "")
        monkeypatch.delenv(variable)


def write(tmp_path: Path, text: str, name: str = "config.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def only_problem(config: cfg.Config) -> str:
    assert len(config.problems) == 1, config.problems
    return config.problems[0]


# ---------------------------------------------------------------- locating
def test_default_path_is_in_the_platform_config_dir(tmp_path: Path) -> None:
    assert cfg.default_config_path() == tmp_path / "xdg-config" / "paperbrowse" / "config.toml"


def test_missing_default_file_gives_defaults_silently() -> None:
    config = cfg.load_config()
    assert config == cfg.Config()
    assert config.problems == ()


def test_default_file_is_read(tmp_path: Path) -> None:
    path = cfg.default_config_path()
    path.parent.mkdir(parents=True)
    path.write_text('[app]\nsort = "upvotes"\n', encoding="utf-8")
    config = cfg.load_config()
    assert (config.path, config.sort) == (path, "upvotes")


def test_environment_variable_names_the_file_and_explicit_path_wins(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    by_env = write(tmp_path, '[app]\nsort = "date"\n', "env.toml")
    explicit = write(tmp_path, '[app]\nsort = "upvotes"\n', "explicit.toml")
    monkeypatch.setenv(cfg.CONFIG_VARIABLE, str(by_env))
    assert cfg.load_config().sort == "date"
    assert cfg.load_config(explicit).sort == "upvotes"


def test_missing_named_file_is_a_problem(tmp_path: Path) -> None:
    missing = tmp_path / "nope.toml"
    message = only_problem(cfg.load_config(missing))
    assert str(missing) in message and "not found" in message


# ------------------------------------------------------------- a good file
def test_good_file(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD)
    config = cfg.load_config(path)
    assert config.problems == ()
    assert config.path == path
    assert config.sort == "date"
    assert config.theme == "gruvbox"
    assert dict(config.keys) == {"toggle_bookmark": "x", "export": "ctrl+e"}
    assert dict(config.sources) == {
        "arxiv_url": "http://localhost:8000/api/query",
        "hf_url": "https://hf.example.org/api/daily_papers",
        "crossref_url": "http://localhost:8001/works",
        "mailto": "me@example.org",
    }


def test_sorts_are_the_index_sorts() -> None:
    assert tuple(cfg.SORTS) == tuple(SORTS)


def test_config_module_does_not_import_textual() -> None:
    code = "import sys, paperbrowse.config; print('textual' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# -------------------------------------------------------------- bad files
def test_toml_syntax_error_names_file_and_line(tmp_path: Path) -> None:
    path = write(tmp_path, '[app]\nsort = "date"\ntheme = \n')
    config = cfg.load_config(path)
    message = only_problem(config)
    assert str(path) in message
    assert "line 3" in message
    assert (config.sort, config.theme) == ("relevance", None)  # the whole file unused


def test_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_bytes(b'[app]\ntheme = "caf\xe9"\n')
    message = only_problem(cfg.load_config(path))
    assert str(path) in message and "UTF-8" in message


def test_unreadable_file_is_a_problem_not_an_error(tmp_path: Path) -> None:
    folder = tmp_path / "a-folder.toml"
    folder.mkdir()
    message = only_problem(cfg.load_config(folder))
    assert str(folder) in message and "cannot read" in message


def test_unknown_section(tmp_path: Path) -> None:
    path = write(tmp_path, '[app]\nsort = "date"\n\n[colours]\nred = 1\n')
    config = cfg.load_config(path)
    message = only_problem(config)
    assert message.startswith(f"config file {path}, line 4: [colours]: unknown section")
    assert config.sort == "date"  # the rest still applies


def test_unknown_top_level_key(tmp_path: Path) -> None:
    path = write(tmp_path, 'sort = "date"\n')
    message = only_problem(cfg.load_config(path))
    assert f"{path}, line 1: sort: unknown key" in message


def test_unknown_key_in_a_section(tmp_path: Path) -> None:
    path = write(tmp_path, '[app]\ntheme = "nord"\ncolour = "red"\n')
    config = cfg.load_config(path)
    assert f"{path}, line 3: [app] colour: unknown key" in only_problem(config)
    assert config.theme == "nord"


def test_wrong_type(tmp_path: Path) -> None:
    path = write(tmp_path, "[app]\nsort = 3\n\n[sources]\nmailto = true\n\n[keys]\nexport = 5\n")
    config = cfg.load_config(path)
    assert config.problems == (
        f"config file {path}, line 2: [app] sort: must be a string, not a number",
        f'config file {path}, line 8: [keys] export: must be a key such as "x" or "ctrl+e", not 5',
        f"config file {path}, line 5: [sources] mailto: must be a string, not a boolean",
    )
    assert (config.sort, dict(config.keys), dict(config.sources)) == ("relevance", {}, {})


def test_section_given_as_a_value(tmp_path: Path) -> None:
    path = write(tmp_path, 'app = "date"\n')
    assert "app must be a section" in only_problem(cfg.load_config(path))


def test_unknown_sort(tmp_path: Path) -> None:
    path = write(tmp_path, '[app]\nsort = "newest"\n')
    config = cfg.load_config(path)
    message = only_problem(config)
    assert message == (
        f"config file {path}, line 2: [app] sort: unknown sort 'newest'; "
        "use one of relevance, date, upvotes"
    )
    assert config.sort == "relevance"


def test_bad_source_values(tmp_path: Path) -> None:
    path = write(tmp_path, '[sources]\narxiv_url = "ftp://mirror"\nmailto = "me"\n')
    config = cfg.load_config(path)
    assert len(config.problems) == 2
    assert "line 2: [sources] arxiv_url: 'ftp://mirror' is not an http" in config.problems[0]
    assert "line 3: [sources] mailto: 'me' is not an e-mail address" in config.problems[1]
    assert dict(config.sources) == {}


def test_unknown_theme_and_binding_id_are_checked_against_the_app(tmp_path: Path) -> None:
    path = write(tmp_path, '[app]\ntheme = "neon"\n\n[keys]\nbookmark = "x"\nexport = "E"\n')
    config = cfg.load_config(path)
    assert config.problems == ()  # names are checked by whoever knows them
    checked = config.checked(themes={"nord", "gruvbox"}, binding_ids={"export", "quit"})
    assert checked.theme is None
    assert dict(checked.keys) == {"export": "E"}
    assert checked.problems == (
        f"config file {path}, line 2: [app] theme: unknown theme 'neon'; "
        "the themes are: gruvbox, nord",
        f"config file {path}, line 5: [keys] bookmark: unknown binding id 'bookmark'; "
        "the ids are: export, quit",
    )


# ----------------------------------------------------------- environment
def test_sources_feed_unset_variables_only(tmp_path: Path) -> None:
    config = cfg.load_config(write(tmp_path, GOOD))
    environ = {"PAPERBROWSE_ARXIV_URL": "http://explicit/api/query"}
    cfg.apply_sources(config, environ)
    assert environ == {
        "PAPERBROWSE_ARXIV_URL": "http://explicit/api/query",  # the variable wins
        "PAPERBROWSE_HF_URL": "https://hf.example.org/api/daily_papers",
        "PAPERBROWSE_CROSSREF_URL": "http://localhost:8001/works",
        "PAPERBROWSE_MAILTO": "me@example.org",
    }


def test_cli_context_loads_config_into_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PAPERBROWSE_MAILTO", "env@example.org")
    context = Context(tmp_path / "data", None, write(tmp_path, GOOD))
    assert context.config.sort == "date"
    assert os.environ["PAPERBROWSE_CROSSREF_URL"] == "http://localhost:8001/works"
    assert os.environ["PAPERBROWSE_MAILTO"] == "env@example.org"


def test_cli_warns_on_stderr_and_carries_on(tmp_path: Path, locations: Locations) -> None:
    path = write(tmp_path, '[app]\nsort = "newest"\n[app\n')
    result = CliRunner().invoke(
        cli,
        ["--data-dir", str(locations.data_dir), "--config", str(path), "search", "diffusion"],
    )
    assert result.exit_code == 0, result.output
    assert result.exception is None
    assert result.stderr.startswith(f"warning: config file {path}: TOML syntax error")
    assert "line 3" in result.stderr
    assert "diffusion" in result.stdout.lower()


def test_cli_warns_about_config_named_by_environment(tmp_path: Path, locations: Locations) -> None:
    path = write(tmp_path, '[app]\nsort = "newest"\n')
    result = CliRunner(env={cfg.CONFIG_VARIABLE: str(path)}).invoke(
        cli, ["--data-dir", str(locations.data_dir), "search", "diffusion"]
    )
    assert result.exit_code == 0, result.output
    assert f"warning: config file {path}, line 2: [app] sort: unknown sort" in result.stderr


# ----------------------------------------------------------- remembered theme
def test_remembered_theme_applies_while_config_theme_is_unchanged(tmp_path: Path) -> None:
    assert cfg.remembered_theme(tmp_path, "nord") is None
    cfg.remember_theme(tmp_path, "dracula", "nord")
    assert cfg.remembered_theme(tmp_path, "nord") == "dracula"
    # the user edited the config's theme: the config wins again
    assert cfg.remembered_theme(tmp_path, "gruvbox") is None
    assert cfg.remembered_theme(tmp_path, None) is None
    cfg.remember_theme(tmp_path, "monokai", None)
    assert cfg.remembered_theme(tmp_path, None) == "monokai"


def test_state_file_keeps_other_keys_and_survives_damage(tmp_path: Path) -> None:
    state = cfg.state_path(tmp_path)
    state.write_text('{"other": 1}', encoding="utf-8")
    cfg.remember_theme(tmp_path, "nord", None)
    assert cfg.load_state(tmp_path) == {"other": 1, "theme": "nord", "config_theme": None}
    state.write_text("{not json", encoding="utf-8")
    assert cfg.load_state(tmp_path) == {}
    assert cfg.remembered_theme(tmp_path, None) is None
    state.write_text("[1, 2]", encoding="utf-8")
    assert cfg.load_state(tmp_path) == {}
