"""The user's configuration file, and the app's small remembered state.

The configuration is a TOML file (read with the standard library's
:mod:`tomllib`, TOML 1.0) at ``platformdirs.user_config_dir("paperbrowse") /
"config.toml"`` (``~/.config/paperbrowse/config.toml`` on Linux), or the file
named by ``--config FILE`` or the ``PAPERBROWSE_CONFIG`` environment variable,
in that order. Every key is optional::

    [app]
    sort = "date"                # relevance | date | upvotes: the app's first sort order
    theme = "gruvbox"            # a Textual theme name (the app's "Theme" command lists them)
    inbox = true                 # the first start of the day opens the watches' inbox

    [keys]                       # binding id = key(s), through Textual's App.set_keymap
    toggle_bookmark = "x"
    export = "ctrl+e"

    [sources]                    # where the importers go (feed the PAPERBROWSE_* variables)
    arxiv_url = "http://localhost:8000/api/query"        # or PAPERBROWSE_ARXIV_(API_)URL
    hf_url = "http://localhost:8000/api/daily_papers"    # or PAPERBROWSE_HF_(API_)URL
    crossref_url = "http://localhost:8000/works"
    arxiv_pdf_url = "http://localhost:8000/pdf"   # paperbrowse pdf: <arxiv_pdf_url>/<arXiv id>
    mailto = "you@example.org"

A file that cannot be used never stops paperbrowse: :func:`load_config` returns
the defaults for whatever it could not use, with one message per problem in
:attr:`Config.problems` (the command line prints them on stderr as warnings,
the app shows them as a warning notification).

The app's theme choice (made with the command palette's "Theme" command) is
kept in ``<data dir>/state.json`` rather than written into the user's TOML:
see :func:`remembered_theme`.

No Textual import here: the command line loads the file without paying for
the UI; the theme names and binding ids are checked by the app
(:meth:`Config.checked`).
"""

from __future__ import annotations

import json
import os
import re
import tomllib
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path

import platformdirs

from paperbrowse.core.atomic import write_json_atomic
from paperbrowse.core.sources.request import (
    ARXIV_URL_VARIABLE,
    CROSSREF_URL_VARIABLE,
    HF_URL_VARIABLE,
    MAILTO_VARIABLE,
    URL_ALIASES,
)

APP_NAME = "paperbrowse"
#: Environment variable naming the configuration file (``--config`` wins over it).
CONFIG_VARIABLE = "PAPERBROWSE_CONFIG"
#: Sort orders ``[app] sort`` accepts (the same as :data:`paperbrowse.core.index.SORTS`).
SORTS = ("relevance", "date", "upvotes")
#: ``[sources]`` keys and the environment variables they feed.
SOURCE_VARIABLES: dict[str, str] = {
    "arxiv_url": ARXIV_URL_VARIABLE,
    "hf_url": HF_URL_VARIABLE,
    "crossref_url": CROSSREF_URL_VARIABLE,
    # paperbrowse.core.pdfs.fetch.PDF_URL_VARIABLE (not imported: it pulls in the arXiv client)
    "arxiv_pdf_url": "PAPERBROWSE_ARXIV_PDF_URL",
    "mailto": MAILTO_VARIABLE,
}
#: The state file's name, in the data directory.
STATE_FILE = "state.json"

_APP_KEYS = ("sort", "theme", "inbox")


def default_config_path() -> Path:
    """The configuration file when nothing names another: platformdirs' user
    config dir (``$XDG_CONFIG_HOME/paperbrowse/config.toml`` on Linux)."""
    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False)) / "config.toml"


@dataclass(frozen=True)
class Config:
    """What the configuration file says, defaults filled in.

    Attributes:
        path: the file read (None: no file was read).
        sort: the app's first sort order, one of :data:`SORTS`.
        theme: a Textual theme name, None for Textual's default.
        inbox: the app's first start of a day opens the inbox of the watches
            (new papers; see :mod:`paperbrowse.core.watches` and :func:`inbox_due`).
        keys: binding id → key string (``"x"``, ``"ctrl+e"``, ``"f1,ctrl+h"``).
        sources: ``[sources]`` key → value (see :data:`SOURCE_VARIABLES`).
        problems: one message per problem found, naming the file, the line when
            known, and the key; what it concerns was left at its default.
    """

    path: Path | None = None
    sort: str = "relevance"
    theme: str | None = None
    inbox: bool = False
    keys: Mapping[str, str] = field(default_factory=dict)
    sources: Mapping[str, str] = field(default_factory=dict)
    problems: tuple[str, ...] = ()

    def checked(self, themes: Collection[str], binding_ids: Collection[str]) -> Config:
        """This configuration without an unknown theme or binding id, with a problem
        message for each left out.

        Args:
            themes: the theme names the app knows (``App.available_themes``).
            binding_ids: the ids of the app's bindings.
        """
        problems = list(self.problems)
        theme = self.theme
        if theme is not None and theme not in themes:
            problems.append(
                self._where("app", "theme")
                + f"unknown theme {theme!r}; the themes are: {', '.join(sorted(themes))}"
            )
            theme = None
        keys = {}
        for binding_id, key in self.keys.items():
            if binding_id in binding_ids:
                keys[binding_id] = key
            else:
                problems.append(
                    self._where("keys", binding_id)
                    + f"unknown binding id {binding_id!r}; the ids are: "
                    + ", ".join(sorted(binding_ids))
                )
        return replace(self, theme=theme, keys=keys, problems=tuple(problems))

    def _where(self, section: str, key: str) -> str:
        return _where(self.path, _key_line(self.path, section, key), section, key)


def resolve_path(explicit: Path | str | None = None) -> tuple[Path, bool]:
    """The configuration file to read, and whether it was named explicitly.

    ``explicit`` (``--config``) first, then ``$PAPERBROWSE_CONFIG``, then
    :func:`default_config_path`.
    """
    if explicit:
        return Path(explicit).expanduser(), True
    env = os.environ.get(CONFIG_VARIABLE)
    if env:
        return Path(env).expanduser(), True
    return default_config_path(), False


def load_config(explicit: Path | str | None = None) -> Config:
    """Read the configuration file (see :func:`resolve_path`); never raises.

    A missing default file gives the defaults silently; a missing file that was
    named explicitly, an unreadable one, a TOML syntax error (the message has
    tomllib's line and column), an unknown section or key, a value of the wrong
    type, or an unknown sort order each give a message in
    :attr:`Config.problems`. A syntax error leaves the whole file unused; any
    other problem only the key concerned.
    """
    path, named = resolve_path(explicit)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        if named:
            return Config(problems=(f"config file {path}: not found; using the defaults",))
        return Config()
    except OSError as exc:
        return Config(problems=(f"config file {path}: cannot read it ({exc}); using the defaults",))
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        return Config(
            path=path,
            problems=(f"config file {path}: not UTF-8 text ({exc.reason}); using the defaults",),
        )
    except tomllib.TOMLDecodeError as exc:
        text = f"config file {path}: TOML syntax error: {exc}; using the defaults"
        return Config(path=path, problems=(text,))
    return _parse(path, data)


def _parse(path: Path, data: dict) -> Config:
    problems: list[str] = []

    def problem(section: str | None, key: str | None, text: str) -> None:
        line = _key_line(path, section, key) if key else _section_line(path, section)
        problems.append(_where(path, line, section, key) + text)

    sections: dict[str, dict] = {}
    for name, value in data.items():
        if name not in ("app", "keys", "sources"):
            if isinstance(value, dict):
                problem(name, None, "unknown section; the sections are [app], [keys], [sources]")
            else:
                problem(None, name, "unknown key; keys belong in [app], [keys] or [sources]")
        elif not isinstance(value, dict):
            problem(None, name, f"{name} must be a section ([{name}]), not a value")
        else:
            sections[name] = value

    sort, theme, inbox = "relevance", None, False
    for key, value in sections.get("app", {}).items():
        if key not in _APP_KEYS:
            problem("app", key, "unknown key; [app] takes sort, theme and inbox")
        elif key == "inbox":
            if isinstance(value, bool):
                inbox = value
            else:
                problem("app", key, f"must be true or false, not {_type(value)}")
        elif not isinstance(value, str):
            problem("app", key, f"must be a string, not {_type(value)}")
        elif key == "sort":
            if value in SORTS:
                sort = value
            else:
                problem("app", key, f"unknown sort {value!r}; use one of {', '.join(SORTS)}")
        elif value.strip():
            theme = value.strip()
        else:
            problem("app", key, "is empty")

    keys: dict[str, str] = {}
    for binding_id, value in sections.get("keys", {}).items():
        if not isinstance(value, str) or not value.strip():
            problem("keys", binding_id, f'must be a key such as "x" or "ctrl+e", not {value!r}')
        else:
            keys[binding_id] = value.strip()

    sources: dict[str, str] = {}
    for key, value in sections.get("sources", {}).items():
        if key not in SOURCE_VARIABLES:
            problem("sources", key, "unknown key; [sources] takes " + ", ".join(SOURCE_VARIABLES))
        elif not isinstance(value, str):
            problem("sources", key, f"must be a string, not {_type(value)}")
        elif key == "mailto" and "@" not in value:
            problem("sources", key, f"{value!r} is not an e-mail address")
        elif key != "mailto" and not re.match(r"https?://\S+$", value.strip()):
            problem("sources", key, f"{value!r} is not an http:// or https:// URL")
        else:
            sources[key] = value.strip()

    return Config(
        path=path,
        sort=sort,
        theme=theme,
        inbox=inbox,
        keys=keys,
        sources=sources,
        problems=tuple(problems),
    )


def apply_sources(config: Config, environ: dict[str, str] | None = None) -> None:
    """Feed ``[sources]`` to the environment variables the importers read
    (:data:`SOURCE_VARIABLES`), with ``setdefault``: a variable already set wins.

    Args:
        environ: the mapping to fill; :data:`os.environ` by default.
    """
    target = os.environ if environ is None else environ
    for key, value in config.sources.items():
        variable = SOURCE_VARIABLES[key]
        # an alias set in the environment (PAPERBROWSE_ARXIV_API_URL) wins too
        if not any(target.get(name) for name in URL_ALIASES.get(variable, ())):
            target.setdefault(variable, value)


# ------------------------------------------------------------------ state file
def state_path(data_dir: Path) -> Path:
    """The app's remembered state: ``<data dir>/state.json``."""
    return Path(data_dir) / STATE_FILE


def load_state(data_dir: Path) -> dict:
    """The state file as a dict; ``{}`` when it is missing, unreadable or not a
    JSON object (the state is a convenience, never worth an error)."""
    try:
        data = json.loads(state_path(data_dir).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def remembered_theme(data_dir: Path, config_theme: str | None) -> str | None:
    """The theme last chosen in the app, if it still applies.

    The choice is stored with the config's ``theme`` at the time; it applies
    while the config's ``theme`` is unchanged. Editing ``theme`` in the config
    file makes the config's theme win again.
    """
    state = load_state(data_dir)
    theme = state.get("theme")
    if isinstance(theme, str) and theme and state.get("config_theme") == config_theme:
        return theme
    return None


def remember_theme(data_dir: Path, theme: str, config_theme: str | None) -> None:
    """Store ``theme`` as the last choice, with the config's ``theme`` it overrides,
    atomically (:func:`~paperbrowse.core.atomic.write_json_atomic`); other keys
    of the state file are kept.

    Raises:
        OSError: the data directory is not writable, or the disk is full.
    """
    state = load_state(data_dir)
    state.update(theme=theme, config_theme=config_theme)
    write_json_atomic(state_path(data_dir), state)


def inbox_due(data_dir: Path, config: Config, today: date | None = None) -> bool:
    """Whether the app should open on the watches' inbox: ``[app] inbox`` is
    on and the inbox was not opened yet ``today`` (local date; default: today),
    as :func:`remember_inbox_shown` recorded in the state file."""
    if not config.inbox:
        return False
    day = (today or date.today()).isoformat()
    return load_state(data_dir).get("inbox_shown") != day


def remember_inbox_shown(data_dir: Path, today: date | None = None) -> None:
    """Record that the inbox was opened ``today`` (the state file's
    ``inbox_shown``, written atomically; other keys kept).

    Raises:
        OSError: the data directory is not writable, or the disk is full.
    """
    state = load_state(data_dir)
    state["inbox_shown"] = (today or date.today()).isoformat()
    write_json_atomic(state_path(data_dir), state)


# -------------------------------------------------------------------- messages
def _where(path: Path | None, line: int | None, section: str | None, key: str | None) -> str:
    place = f"config file {path}"
    if line:
        place += f", line {line}"
    if section and key:
        name = f"[{section}] {key}"
    elif section:
        name = f"[{section}]"
    else:
        name = key or ""
    return f"{place}: {name}: "


def _type(value: object) -> str:
    return {
        bool: "a boolean",
        int: "a number",
        float: "a number",
        list: "a list",
        dict: "a table",
    }.get(type(value), type(value).__name__)


def _lines(path: Path | None) -> list[str]:
    if path is None:
        return []
    try:
        return path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return []


def _section_line(path: Path | None, section: str | None) -> int | None:
    """1-based line of ``[section]`` in the file (None: not found)."""
    if section is None:
        return None
    pattern = re.compile(rf"\s*\[\s*[\"']?{re.escape(section)}[\"']?\s*\]")
    for number, line in enumerate(_lines(path), 1):
        if pattern.match(line):
            return number
    return None


def _key_line(path: Path | None, section: str | None, key: str | None) -> int | None:
    """1-based line where ``key`` is set in ``[section]`` (a best effort: TOML
    reports lines only for syntax errors)."""
    if key is None:
        return None
    lines = _lines(path)
    start = (_section_line(path, section) or 0) if section else 0
    if section and not start:
        return None
    pattern = re.compile(rf"\s*[\"']?{re.escape(key)}[\"']?\s*=")
    for number in range(start + 1, len(lines) + 1):
        line = lines[number - 1]
        if re.match(r"\s*\[", line):  # the next section
            break
        if pattern.match(line):
            return number
    return None
