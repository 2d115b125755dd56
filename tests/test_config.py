"""Settings as a user meets them: `framewatch config`, and bad values refused by
every command with the key named and the expected form, exit code 2."""
from __future__ import annotations

import pytest
from typer.testing import CliRunner

from cli.app import EXIT_CONFIG, EXIT_OK, app
from flows.config_view import mask_url

runner = CliRunner()


@pytest.fixture(autouse=True)
def clean_env(tmp_path, monkeypatch):
    """No FRAMEWATCH_* from the outside, and a working directory without framewatch.toml."""
    import os

    for key in list(os.environ):
        if key.upper().startswith("FRAMEWATCH_"):
            monkeypatch.delenv(key)
    monkeypatch.chdir(tmp_path)


def _config(tmp_path, text: str, monkeypatch):
    path = tmp_path / "framewatch.toml"
    path.write_text(text)
    monkeypatch.setenv("FRAMEWATCH_CONFIG", str(path))


def test_config_prints_effective_values_with_their_source_and_secrets_masked(tmp_path, monkeypatch):
    _config(tmp_path, 'batch_size = 50\ntimezone = "Europe/Berlin"\n[fetch]\ncontact = "mailto:ops@example.org"\n', monkeypatch)
    monkeypatch.setenv("FRAMEWATCH_FETCH__MIN_INTERVAL", "2.5")
    monkeypatch.setenv("FRAMEWATCH_ALERT_URLS", '["slack://TOKENA/TOKENB/TOKENC", "https://user:hunter2@hooks.example.org/x?token=abc123&channel=ops"]')
    result = runner.invoke(app, ["config"])
    assert result.exit_code == EXIT_OK, result.output
    lines = result.output.splitlines()
    assert f"batch_size = 50  # {tmp_path / 'framewatch.toml'}" in lines
    assert f'timezone = "Europe/Berlin"  # {tmp_path / "framewatch.toml"}' in lines
    assert "min_interval = 2.5  # env FRAMEWATCH_FETCH__MIN_INTERVAL" in lines
    assert 'schedule_cron = "0 6 * * *"  # default' in lines
    assert "[fetch]" in lines
    for secret in ("TOKENA", "TOKENB", "hunter2", "abc123"):
        assert secret not in result.output
    assert 'alert_urls = ["slack://****", "https://****"]  # env FRAMEWATCH_ALERT_URLS' in lines


def test_mask_url_hides_passwords_and_token_parameters_only():
    assert mask_url("https://u:pw@example.org/feed?token=t0k&page=2") == "https://u:****@example.org/feed?token=****&page=2"
    assert mask_url("https://example.org/about") == "https://example.org/about"
    assert mask_url("mailto:ops@example.org") == "mailto:ops@example.org"


@pytest.mark.parametrize("command", [["config"], ["run"], ["status"], ["serve"]])
def test_bad_env_value_stops_every_command_with_the_key_and_expected_form(command, monkeypatch):
    monkeypatch.setenv("FRAMEWATCH_FETCH__MIN_INTERVAL", "abc")
    result = runner.invoke(app, command)
    assert result.exit_code == EXIT_CONFIG, result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1, result.output
    assert "'fetch.min_interval'" in lines[0] and "FRAMEWATCH_FETCH__MIN_INTERVAL" in lines[0]
    assert "valid number" in lines[0]


@pytest.mark.parametrize(
    ("toml", "expected"),
    [
        ("shedule_cron = '0 6 * * *'\n", "unknown setting 'shedule_cron'"),
        ("[fetch]\nmin_intervall = 1\n", "unknown setting 'fetch.min_intervall'"),
        ("schedule_cron = '0 6 * *'\n", "expected five cron fields"),
        ("schedule_cron = '0 25 * * *'\n", "not a valid cron expression"),
        ("timezone = 'Europe/Paris2'\n", "expected an IANA time zone name"),
        ("batch_size = 0\n", "greater than or equal to 1"),
        ("batch_size = \n", "is not valid TOML"),
    ],
)
def test_bad_settings_file_is_refused_with_the_key_named(tmp_path, monkeypatch, toml, expected):
    _config(tmp_path, toml, monkeypatch)
    result = runner.invoke(app, ["run"])
    assert result.exit_code == EXIT_CONFIG, result.output
    assert expected in result.output
    assert str(tmp_path / "framewatch.toml") in result.output  # which file to fix


def test_cron_and_timezone_from_the_environment_are_validated(monkeypatch):
    monkeypatch.setenv("FRAMEWATCH_TIMEZONE", "Mars/Olympus")
    result = runner.invoke(app, ["config"])
    assert result.exit_code == EXIT_CONFIG
    assert "'timezone'" in result.output and "FRAMEWATCH_TIMEZONE" in result.output


def test_config_output_is_a_settings_file_that_loads_back_to_the_same_settings(tmp_path, monkeypatch):
    from flows.settings import load_settings

    _config(tmp_path, 'batch_size = 50\ndask_address = "tcp://sched:8786"\n[fetch]\nallow_hosts = ["10.0.0.5"]\n'
                      '[alerts]\nfailure_threshold = 3\n', monkeypatch)
    monkeypatch.setenv("FRAMEWATCH_FETCH__MIN_INTERVAL", "2.5")
    first = runner.invoke(app, ["config"])
    assert first.exit_code == EXIT_OK, first.output
    assert '"None"' not in first.output
    pasted = tmp_path / "pasted.toml"
    pasted.write_text(first.output)
    monkeypatch.delenv("FRAMEWATCH_FETCH__MIN_INTERVAL")
    monkeypatch.setenv("FRAMEWATCH_CONFIG", str(pasted))
    assert load_settings() == _loaded(tmp_path, monkeypatch)
    # unset values (database, alerts.failure_threshold by default) are comments, not "None"
    _config(tmp_path, "", monkeypatch)
    default = runner.invoke(app, ["config"]).output
    assert "# failure_threshold is unset (using fetch.failure_threshold = 5)" in default
    pasted.write_text(default)
    monkeypatch.setenv("FRAMEWATCH_CONFIG", str(pasted))
    assert load_settings() == load_settings(_env_file=None) and load_settings().alerts.failure_threshold is None


def _loaded(tmp_path, monkeypatch):
    from flows.settings import load_settings

    monkeypatch.setenv("FRAMEWATCH_CONFIG", str(tmp_path / "framewatch.toml"))
    monkeypatch.setenv("FRAMEWATCH_FETCH__MIN_INTERVAL", "2.5")
    try:
        return load_settings()
    finally:
        monkeypatch.delenv("FRAMEWATCH_FETCH__MIN_INTERVAL")


def test_every_setting_is_documented_and_the_doc_is_current():
    """docs/configuration.md is generated (python -m flows.config_docs): a key
    without a description, or a doc not regenerated after a change, fails here."""
    from flows.config_docs import DOC, render, rows

    missing = [key for key, field in rows() if not (field.description or "").strip()]
    assert not missing, f"settings without a description: {missing}"
    text = DOC.read_text()
    for key, _field in rows():
        assert f"| `{key}` |" in text, f"{key} is not in {DOC}"
    assert text == render(), "docs/configuration.md is out of date: run python -m flows.config_docs"


def test_framing_settings_are_validated_when_the_classifier_is_built():
    from pydantic import ValidationError

    from framing import make_classifier

    with pytest.raises(ValidationError, match="top_fractoin"):
        make_classifier("lexical", settings={"top_fractoin": 0.5})
    with pytest.raises(ValidationError, match="lexicon_gate"):
        make_classifier("lexical", settings={"lexicon_gate": "winning"})
