"""Loading settings for the CLI, explaining bad ones, and showing the effective ones.

Every command goes through `load_or_explain()`, so a typo in framewatch.toml or a
FRAMEWATCH_* variable stops any command with one line per bad key (where the
value came from and the expected form) instead of a pydantic traceback.
"""
from __future__ import annotations

import json
import os
import tomllib
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from pydantic import BaseModel, SecretStr, ValidationError

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
            known = ", ".join(sorted(parent.model_fields))
            lines.append(f"unknown setting '{key}' in {_config_file()}: expected one of {known}")
            continue
        where = source_of(key, toml)
        given = "" if err["type"] == "missing" else f" = {_short(err.get('input'))}"
        lines.append(f"invalid setting '{key}'{given} (from {where}): {msg}")
    return lines


def _safe_toml() -> dict:
    try:
        return _toml_data()
    except (OSError, tomllib.TOMLDecodeError):
        return {}


def _short(value) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def load_or_explain(**overrides) -> Settings:
    """Settings, or ConfigError with one line per problem."""
    try:
        return load_settings(**overrides)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError([f"{_config_file()} is not valid TOML: {exc}"]) from None
    except ValidationError as exc:
        raise ConfigError(explain(exc)) from None


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
                sections.append(_line(sub, subval, source_of(f"{name}.{sub}", toml)))
        elif value is None:
            top.append(f"# {name} is unset ({_unset_note(name, settings)})  # {source_of(name, toml)}")
        else:
            top.append(_line(name, value, source_of(name, toml)))
    return top + sections


def _line(name: str, value, source: str) -> str:
    return f"{name} = {_display(value)}  # {source}"


def _unset_note(name: str, settings: Settings) -> str:
    if name == "database":
        return f"using {settings.database_path}"
    return "no value"
