"""``[app] inbox``: the first start of the day opens the watches' inbox (the setting and
the once-a-day memory in the state file; the screen itself is the app's)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from paperbrowse.config import (
    Config,
    inbox_due,
    load_config,
    load_state,
    remember_inbox_shown,
    remember_theme,
)


def config_file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text)
    return path


def test_inbox_is_off_by_default_and_read_as_a_boolean(tmp_path):
    assert load_config(config_file(tmp_path, "[app]\nsort = 'date'\n")).inbox is False
    on = load_config(config_file(tmp_path, "[app]\ninbox = true\n"))
    assert on.inbox is True and on.problems == ()
    bad = load_config(config_file(tmp_path, "[app]\nsort = 'date'\ninbox = 'yes'\n"))
    assert bad.inbox is False and bad.sort == "date"
    assert bad.problems == (
        f"config file {tmp_path / 'config.toml'}, line 3: [app] inbox: "
        "must be true or false, not str",
    )


def test_the_inbox_is_due_once_a_day(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    day = date(2026, 3, 22)
    assert not inbox_due(data, Config(), day)  # off
    on = Config(inbox=True)
    assert inbox_due(data, on, day)
    remember_theme(data, "nord", None)
    remember_inbox_shown(data, day)
    assert not inbox_due(data, on, day)
    assert inbox_due(data, on, date(2026, 3, 23))
    assert load_state(data)["theme"] == "nord"  # other keys kept
