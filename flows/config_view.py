"""Loading settings for the CLI, explaining bad ones, and showing the effective ones.

Every command goes through `load_or_explain()`, so a typo in framewatch.toml or a
FRAMEWATCH_* variable stops any command with one line per bad key (where the
value came from and the expected form) instead of a pydantic traceback.
"""
from __future__ import annotations

import difflib
import json
import os
import re
import tomllib
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from pydantic import BaseModel, SecretStr, ValidationError
from pydantic_settings import SettingsError

from flows.settings import Settings, _config_file, load_settings

ENV_PREFIX = "FRAMEWATCH_"
MASK = "****"
# Query parameters that carry credentials in webhook and apprise URLs.
SECRET_PARAMS = {"token", "key", "apikey", "api_key", "secret", "password", "pass", "sig", "signature", "access_token"}


class ConfigError(Exception):
    """Settings that cannot be used; `lines` name each bad key and the expected form."""

    def __init__(self, lines: list[str]):
        super().__init__("\n".join(lines))
        self.lines = lines


def env_name(key: str) -> str:
    return ENV_PREFIX + key.replace(".", "__").upper()


def _env_value(key: str) -> str | None:
    # pydantic-settings matches env names case-insensitively; so do we.
    wanted = env_name(key)
    for k, v in os.environ.items():
        if k.upper() == wanted:
            return v
    return None


def _toml_data() -> dict:
    path = _config_file()
    if not path.is_file():
        return {}
    with path.open("rb") as fh:
        return tomllib.load(fh)


def _in_toml(data: dict, key: str) -> bool:
    node = data
    for part in key.split("."):
        if not isinstance(node, dict) or part not in node:
            return False
        node = node[part]
    return True


def source_of(key: str, toml: dict | None = None) -> str:
    """Where a setting's value comes from, in the order pydantic-settings applies them."""
    parts = key.split(".")
    for i in range(len(parts), 0, -1):  # FRAMEWATCH_FETCH (JSON) also sets every fetch.* key
        if _env_value(".".join(parts[:i])) is not None:
            return f"env {env_name('.'.join(parts[:i]))}"
    if _in_toml(toml if toml is not None else _toml_data(), key):
        return str(_config_file())
    return "default"


def explain(exc: ValidationError) -> list[str]:
    toml = _safe_toml()
    lines = []
    for err in exc.errors():
        key = ".".join(str(p) for p in err["loc"] if not isinstance(p, int))
        msg = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            parent = Settings if "." not in key else Settings.model_fields[key.split(".")[0]].annotation
            leaf = key.rsplit(".", 1)[-1]
            close = difflib.get_close_matches(leaf, list(parent.model_fields), n=1)
            known = f"did you mean '{close[0]}'?" if close else "expected one of " + ", ".join(sorted(parent.model_fields))
            where = f"env {env_name(key)}" if _env_value(key) is not None else str(_config_file())
            lines.append(f"unknown setting '{key}' (from {where}): {known}")
            continue
        where = source_of(key, toml)
        # A secret's value is never shown, not even when it is malformed.
        hidden = _is_secret(key)
        given = "" if err["type"] == "missing" or hidden else f" = {_short(err.get('input'))}"
        if hidden:
            msg += " (value not shown: it may hold a password)"
        lines.append(f"invalid setting '{key}'{given} (from {where}): {msg}")
    return lines


def _safe_toml() -> dict:
    try:
        return _toml_data()
    except (OSError, tomllib.TOMLDecodeError):
        return {}


def _short(value) -> str:
    # A URL's password or token never reaches the terminal, whatever the key.
    text = repr(mask_url(value) if isinstance(value, str) else value)
    return text if len(text) <= 60 else text[:57] + "..."


def _is_secret(key: str) -> bool:
    node: type[BaseModel] = Settings
    for part in key.split("."):
        field = node.model_fields.get(part)
        if field is None:
            return False
        if "SecretStr" in str(field.annotation):
            return True
        node = field.annotation if isinstance(field.annotation, type) and issubclass(field.annotation, BaseModel) else None
        if node is None:
            return False
    return False


def _settings_error(exc: SettingsError) -> list[str]:
    """pydantic-settings could not even parse a value (a list or table given as
    non-JSON in the environment). Its message names the field; the value is
    not repeated, as it may be a secret."""
    m = re.search(r'field "([^"]+)"', str(exc))
    key = m.group(1) if m else "?"
    kind = "a JSON list, e.g. '[\"mailto://user:pass@example.org\"]'" if key != "?" and _is_list(key) else "JSON"
    return [f"invalid setting '{key}' (from env {env_name(key)}): not valid JSON; expected {kind}"]


def _is_list(key: str) -> bool:
    field = Settings.model_fields.get(key)
    return field is not None and str(field.annotation).startswith("list")


def known_env_names() -> set[str]:
    """Every FRAMEWATCH_* name framewatch reads: one per setting and section, and the few read directly."""
    names = {ENV_PREFIX + "CONFIG", ENV_PREFIX + "HOME", ENV_PREFIX + "TRACEBACK", ENV_PREFIX + "REALTEXT_CACHE", ENV_PREFIX + "HOLDOUT_EXCLUDE"}
    for name, field in Settings.model_fields.items():
        names.add(env_name(name))
        sub = field.annotation
        if isinstance(sub, type) and issubclass(sub, BaseModel):
            names.update(env_name(f"{name}.{s}") for s in sub.model_fields)
    return names


def unknown_env_warnings() -> list[str]:
    """A misspelt FRAMEWATCH_* variable is otherwise ignored: name it and the closest real one."""
    known = known_env_names()
    out = []
    for var in sorted(os.environ):
        up = var.upper()
        if not up.startswith(ENV_PREFIX) or up in known:
            continue
        if "__" in up and env_name(up[len(ENV_PREFIX):].split("__")[0].lower()) in known:
            continue  # an unknown key of a section: refused with an error by load_or_explain
        close = difflib.get_close_matches(up, known, n=1, cutoff=0.6)
        hint = f"; did you mean {close[0]}?" if close else "; `framewatch config` lists the settings"
        out.append(f"{var} is not a framewatch setting and is ignored{hint}")
    return out


def load_or_explain(**overrides) -> Settings:
    """Settings, or ConfigError with one line per problem."""
    try:
        return load_settings(**overrides)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError([f"{_config_file()} is not valid TOML: {exc}"]) from None
    except ValidationError as exc:
        raise ConfigError(explain(exc)) from None
    except SettingsError as exc:
        raise ConfigError(_settings_error(exc)) from None
    except OSError as exc:  # an unreadable settings file
        raise ConfigError([f"cannot read {_config_file()}: {exc.strerror or exc}"]) from None


def mask_url(text: str) -> str:
    """Hide passwords and token parameters in a URL; other strings pass through."""
    try:
        parts = urlsplit(text)
    except ValueError:
        return text
    if not parts.scheme or not parts.netloc:
        return text
    netloc = parts.netloc
    if parts.password:
        netloc = netloc.replace(f":{parts.password}@", f":{MASK}@", 1)
    query = parts.query
    if query:
        pairs = parse_qsl(query, keep_blank_values=True)
        query = urlencode([(k, MASK if k.lower() in SECRET_PARAMS else v) for k, v in pairs], safe="*")
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def mask_secret(secret: SecretStr) -> str:
    # Apprise URLs carry their tokens in the host and path too (slack://T/B/X),
    # so a secret keeps only its scheme: enough to tell which service it is.
    value = secret.get_secret_value()
    scheme = urlsplit(value).scheme if "://" in value else ""
    return f"{scheme}://{MASK}" if scheme else MASK


def _display(value) -> str:
    """TOML-style rendering of one value, secrets masked."""
    if isinstance(value, SecretStr):
        return json.dumps(mask_secret(value))
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, Path):
        return json.dumps(str(value))
    if isinstance(value, str):
        return json.dumps(mask_url(value))
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_display(v) for v in value) + "]"
    return json.dumps(str(value))


def effective_config(settings: Settings) -> list[str]:
    """framewatch.toml-shaped lines of every setting, each with where its value came from."""
    toml = _safe_toml()
    top, sections = [], []
    for name, value in settings:
        if isinstance(value, BaseModel):
            sections.append("")
            sections.append(f"[{name}]")
            for sub, subval in value:
                sections.append(_line(sub, subval, source_of(f"{name}.{sub}", toml), settings, name))
        else:
            top.append(_line(name, value, source_of(name, toml), settings))
    return top + sections


def _line(name: str, value, source: str, settings: Settings, section: str | None = None) -> str:
    # TOML has no null: an unset value is a comment, so the output pastes back as framewatch.toml.
    if value is None:
        return f"# {name} is unset ({_unset_note(name, settings, section)})  # {source}"
    return f"{name} = {_display(value)}  # {source}"


def _unset_note(name: str, settings: Settings, section: str | None = None) -> str:
    if section is None and name == "database":
        return f"using {settings.database_path}"
    if section == "alerts" and name == "failure_threshold":
        return f"using fetch.failure_threshold = {settings.fetch.failure_threshold}"
    return "no value"
