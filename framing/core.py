"""Sentence-matching classifier shared by the lexical and embedding backends.

Per article: split into sentences; for every sentence find its best match among
each reference's framing sentences and among the contrast sentences; a sentence
counts for framing F by its *margin* over the best competing match (other
references and contrast). Per framing, four numbers summarise those margins and
one logistic model, shared by all framings (so a new reference needs no refit),
turns them into a calibrated score. The backend only supplies the sentence
encoder; everything else, including the fitted parameters, lives here.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .boilerplate import is_disclaimer, is_heading, key
from .contrast import contrast_sentences, neutral_sentences
from .lexical import LexicalEncoder, batch_token_cache, join_sentences
from .lexicon import FramingLexicon
from .relevance import FEATURES as RELEVANCE_FEATURES, RelevanceGate
from .sentences import split_sentences, word_count
from .settings import validate_settings
from .stance import stance_cues
from .supervised import LinearModel
from .version import code_digest
from .types import LABEL_MIXED, LABEL_NEITHER, LABEL_OFF_TOPIC, ArticleText, Classification, Evidence

METHOD_VERSION = "1.0"
PARAMS_DIR = Path(__file__).resolve().parent / "params"
FRAMING_FEATURES = ("top3_margin", "lexicon")
EVIDENCE_PER_FRAMING = 3
N_STANCE = 3  # stance shares in DocState.extra: reported, attributed, rejected (stance.py)
MIN_EVIDENCE = 2


@dataclass
class DocState:
    sentences: list[str]
    sims: dict[str, np.ndarray]  # framing id -> (n_sent, n_ref_sent)
    contrast: np.ndarray  # (n_sent,) best contrast similarity
    lex_weights: np.ndarray  # (n_sent, n_framings) summed framing-vocabulary weight per sentence
    n_tokens: float  # analysed tokens in the sentences considered
    distanced: np.ndarray  # (n_sent,) bool, see stance.py
    # Title, headings and body: the supervised models' TF-IDF reads it all (a title
    # is not evidence, but it is what the piece says it is about).
    topic_text: str = ""
    extra: np.ndarray | None = None  # stance shares and third-party counts (supervised.py)
    # topic_text without the sentences that reject a view: the framing model's
    # vocabulary must not count "the commentariat calls it a fragile truce" for the truce.
    own_text: str = ""


def article_sentences(doc: ArticleText, min_words: int = 4, split: list[str] | None = None) -> list[str]:
    """Everything the relevance gate reads: the title, headings and body sentences."""
    sents = [s for s in (split_sentences(doc.text) if split is None else split) if word_count(s) >= min_words]
    title = " ".join((doc.title or "").split())
    return ([title] if word_count(title) >= min_words else []) + sents


def framing_sentences(doc: ArticleText, min_words: int = 4, split: list[str] | None = None) -> list[str]:
    """What can carry a framing: body sentences that are not a title, heading or
    caption (no closing punctuation), a disclaimer, or boilerplate the caller
    knows recurs across the site (boilerplate.py). A title alone is not evidence."""
    title = key(doc.title or "")
    return [
        s for s in (split_sentences(doc.text) if split is None else split)
        if word_count(s) >= min_words and not is_heading(s) and not is_disclaimer(s)
        and (k := key(s)) not in doc.boilerplate and k != title
    ]


def _top_mean(values: np.ndarray, k: int) -> float:
    if values.size == 0:
        return 0.0
    k = min(k, values.size)
    return float(np.partition(values, -k)[-k:].mean())


class SentenceMatchClassifier:
    """Subclasses set `backend`, `name`, `settings` and implement `_make_encoder`."""

    backend = "base"
    name = "framewatch-base"

    def __init__(self, references: list, params_path: Path | None = None, settings: dict | None = None):
        self.references = list(references)
        self.settings = dict(settings or {})
        # Typed and checked (framing/settings.py); the dict above is what the version hashes.
        self.options = validate_settings(self.settings)
        self._params_path = params_path or PARAMS_DIR / f"{self.backend}.json"
        self.fitted = json.loads(self._params_path.read_text()) if self._params_path.exists() else None
        self._loaded = False
        self.params = self._describe()
        # The params hash alone misses an edited reference whose sentence count
        # stays the same, and a changed reference must give a new version (the
        # stored rows are keyed by it: reclassify adds a version, never
        # overwrites one). ".r" + a hash of the reference files keeps the two
        # causes apart when reading a version string.
        self.version = f"{METHOD_VERSION}+{_digest(self.params)[:8]}.r{references_digest(self.references)[:8]}"

    # ---- configuration and versioning -------------------------------------------------
    def _describe(self) -> dict:
        fitted = self.fitted or {}
        return {
            "backend": self.backend,
            "method_version": METHOD_VERSION,
            "settings": self.settings,
            "framing_features": list(FRAMING_FEATURES),
            "calibration": fitted.get("framing"),
            "relevance": fitted.get("relevance"),
            "thresholds": fitted.get("thresholds"),
            # The supervised layer's fitted numbers are long (vocabulary, IDF); their hash stands in.
            "supervised_sha256": _digest(fitted["supervised"]) if fitted.get("supervised") else None,
            "contrast_sha256": _digest(contrast_sentences()),
            # Constants, regex tables and code that decide labels (version.py).
            "code_sha256": code_digest(),
            "reference_sentences": {r.id: len(r.sentences) for r in self.references},
        }

    @property
    def reference_hashes(self) -> dict[str, str]:
        return {r.id: r.sha256 for r in self.references}

    # ---- lazy loading -----------------------------------------------------------------
    def _make_encoder(self):  # pragma: no cover - abstract
        raise NotImplementedError

    def _load(self) -> None:
        if self._loaded:
            return
        self.lexical = LexicalEncoder(
            [s for r in self.references for s in r.body_sentences] + contrast_sentences()
        )
        self.encoder = self._make_encoder()
        self._ref_vecs = {r.id: self.encoder.encode(list(r.sentences)) for r in self.references}
        self._contrast_vecs = self.encoder.encode(contrast_sentences())
        rel = (self.fitted or {}).get("relevance") or {"coef": [0.0] * len(RELEVANCE_FEATURES), "intercept": 0.0}
        topic_texts = [r.text for r in self.references] + neutral_sentences()
        topic_encoder = LexicalEncoder(
            [s for r in self.references for s in r.body_sentences] + contrast_sentences(), keep_countries=True
        )
        self.gate = RelevanceGate(topic_encoder, topic_texts, rel["coef"], rel["intercept"])
        self.lexicon = FramingLexicon({r.id: list(r.sentences) for r in self.references}, contrast_sentences())
        self._loaded = True

    # ---- feature extraction -----------------------------------------------------------
    def _select(self, sentences: list[str]) -> list[str]:
        """Embedding is the slow step; long articles keep only the sentences with
        the strongest lexical pull towards any reference or contrast sentence."""
        cap = self.options.max_sentences
        if not cap or len(sentences) <= cap:
            return sentences
        vecs = self.lexical.encode(sentences)
        pool = self.lexical.encode([s for r in self.references for s in r.sentences] + contrast_sentences())
        pull = self.lexical.similarity(vecs, pool).max(axis=1)
        keep = sorted(np.argsort(-pull, kind="stable")[:cap])
        return [sentences[i] for i in keep]

    def doc_states(self, docs: list[ArticleText]) -> tuple[list[DocState], np.ndarray]:
        self._load()
        if not docs:
            return [], np.zeros((0, len(RELEVANCE_FEATURES)))
        with batch_token_cache():
            return self._doc_states(docs)

    def _doc_states(self, docs: list[ArticleText]) -> tuple[list[DocState], np.ndarray]:
        splits = [split_sentences(d.text) for d in docs]
        rel_sents = [article_sentences(d, split=sp) for d, sp in zip(docs, splits)]
        rel_all = self.gate.features(rel_sents, third_party=True)
        rel_features = rel_all[:, : len(RELEVANCE_FEATURES)]
        framing_sents = [framing_sentences(d, split=sp) for d, sp in zip(docs, splits)]
        chosen = [self._select(s) for s in framing_sents]
        flat = [s for sents in chosen for s in sents]
        vecs = self.encoder.encode(flat) if flat else None
        sims = {
            fid: self.encoder.similarity(vecs, rv) if flat else np.zeros((0, 0))
            for fid, rv in self._ref_vecs.items()
        }
        contrast = self.encoder.similarity(vecs, self._contrast_vecs).max(axis=1) if flat else np.zeros(0)
        lex, lengths = self.lexicon.sentence_weights(flat)
        # Each cue regex runs once per distinct sentence (they are the slow part).
        cues = {x: stance_cues(x) for sents in (*framing_sents, *rel_sents) for x in sents}
        distanced = np.array([cues[x].distanced(self.options.reported_speech) for x in flat], dtype=bool)
        states, start = [], 0
        for i, sents in enumerate(chosen):
            end = start + len(sents)
            fs = framing_sents[i]
            n = max(len(fs), 1)
            # shares, not counts: a length feature let the model tell short fit texts from long pages
            stance_shares = [sum(getattr(cues[x], k) for x in fs) / n for k in ("reported", "attributed", "rejected")]
            states.append(
                DocState(
                    sents,
                    {f: m[start:end] for f, m in sims.items()},
                    contrast[start:end],
                    lex[start:end],
                    float(lengths[start:end].sum()),
                    distanced[start:end],
                    join_sentences(rel_sents[i]),
                    np.concatenate([stance_shares, rel_all[i, len(RELEVANCE_FEATURES):]]),
                    join_sentences([x for x in rel_sents[i] if not cues[x].rejected]),
                )
            )
            start = end
        return states, rel_features

    def margins(self, state: DocState) -> dict[str, np.ndarray]:
        """Per framing, each sentence's best match minus its best rival match
        (other references, contrast); distanced sentences are capped at zero."""
        n = len(state.sentences)
        best = self._best(state)
        distanced = state.distanced
        out = {}
        for f in best:
            if not n:
                out[f] = np.zeros(0)
                continue
            rivals = np.vstack([state.contrast] + [best[g] for g in best if g != f]).max(axis=0)
            margin = best[f] - rivals
            out[f] = np.where(distanced, np.minimum(margin, 0.0), margin)
        return out

    def _best(self, state: DocState) -> dict[str, np.ndarray]:
        """Best match per sentence and framing; matches below the backend's
        noise floor (one shared common word, for TF-IDF) count as no match."""
        floor = self.options.min_similarity
        n = len(state.sentences)
        out = {}
        for f, m in state.sims.items():
            b = m.max(axis=1) if m.size else np.zeros(n)
            out[f] = np.where(b >= floor, b, 0.0)
        return out

    def framing_features(self, state: DocState, margins: dict | None = None) -> dict[str, np.ndarray]:
        """Two numbers per framing: the mean margin of its three best sentences
        and its vocabulary score. Richer sets (top match, share of sentences won,
        leads over the rival framing) did no better in leave-one-out on the fit
        split, and two features are what 32 on-topic fit texts can support."""
        out = {}
        margins = self.margins(state) if margins is None else margins
        best = self._best(state)
        for k, (f, margin) in enumerate(margins.items()):
            # Vocabulary counts only from sentences that lean to F (positive
            # margin; distanced sentences never do), normalised by text length.
            # The gate is a backend setting, chosen on the fit split.
            if self.options.lexicon_gate == "contrast":
                # Beats the contrast text, whatever the other references do:
                # TF-IDF margins between references are too noisy to gate on.
                lean = (best[f] > state.contrast) & ~state.distanced
            else:
                lean = margin > 0
            lexicon = float(state.lex_weights[lean, k].sum()) / max(state.n_tokens, 1.0) if margin.size else 0.0
            out[f] = np.array([_top_mean(margin, self._top_k(margin.size)), lexicon])
        return out

    def _top_k(self, n: int) -> int:
        """How many best sentences the margin feature averages. A fixed three
        favours long articles: among forty sentences, three match any reference
        well by chance, so a long piece looked like both framings at once (dev
        texts are 7-10 sentences, the demo's 30-50). With `top_fraction` set, k
        grows with the text, so a framing must run through a share of it."""
        frac = self.options.top_fraction
        return max(3, int(np.ceil(frac * n))) if frac else 3

    # ---- classification ---------------------------------------------------------------
    def _score(self, feats: np.ndarray, fid: str) -> float:
        cal = (self.fitted or {}).get("framing")
        if not cal:
            raise RuntimeError(f"{self.name}: no fitted parameters at {self._params_path}; run python -m framing.calibrate")
        z = float(np.dot(cal["coef"], (feats - cal["mean"]) / cal["scale"]) + cal["intercept"])
        return 1.0 / (1.0 + np.exp(-z))

    def _evidence(self, state: DocState, fid: str, margin: np.ndarray) -> list[Evidence]:
        ref = next(r for r in self.references if r.id == fid)
        m = state.sims[fid]
        out = []
        for i in np.argsort(-margin, kind="stable")[:EVIDENCE_PER_FRAMING]:
            j = int(m[i].argmax())
            if m[i, j] <= 0:
                continue
            out.append(Evidence(fid, state.sentences[i], ref.sentences[j], round(float(m[i, j]), 4)))
        return out

    def decide(self, scores: dict[str, float], relevance: float, n_evidence: dict[str, int]) -> tuple[str, float]:
        th = (self.fitted or {}).get("thresholds") or {"relevance": 0.5, "present": 0.5, "mixed": 0.5}
        if relevance < th["relevance"]:
            return LABEL_OFF_TOPIC, 1.0 - relevance
        ranked = sorted(scores, key=scores.get, reverse=True)
        if not ranked or scores[ranked[0]] < th["present"] or n_evidence.get(ranked[0], 0) < MIN_EVIDENCE:
            return LABEL_NEITHER, relevance * (1.0 - (scores[ranked[0]] if ranked else 0.0))
        top = ranked[0]
        second = ranked[1] if len(ranked) > 1 else None
        if second and scores[second] >= th["mixed"] and n_evidence.get(second, 0) >= MIN_EVIDENCE:
            return LABEL_MIXED, relevance * min(scores[top], scores[second])
        rest = scores[second] if second else 0.0
        return top, relevance * scores[top] * (1.0 - rest)

    # ---- the supervised layer (supervised.py) -----------------------------------------
    def supervised_models(self) -> tuple[LinearModel, LinearModel] | None:
        """The fitted gate and framing models, if fitted for exactly these references."""
        sup = (self.fitted or {}).get("supervised")
        if not sup or sorted(sup["framing"]["classes"]) != sorted([r.id for r in self.references] + [LABEL_NEITHER]):
            return None
        if not hasattr(self, "_sup_models"):
            self._sup_models = (LinearModel(sup["relevance"]), LinearModel(sup["framing"]))
        return self._sup_models

    def supervised_inputs(self, states: list[DocState], rel_features: np.ndarray, feats: list[dict]) -> dict:
        """Dense features and texts for both models (calibrate.py fits on the same)."""
        ids = sorted(r.id for r in self.references)
        extra = np.vstack([st.extra for st in states]) if states else np.zeros((0, N_STANCE + 4))
        framing_dense = np.column_stack(
            [np.array([[f[i][0], f[i][1]] for i in ids]).ravel() for f in feats]
        ).T if feats else np.zeros((0, 2 * len(ids)))
        return {
            "relevance_dense": np.hstack([rel_features, extra[:, N_STANCE:]]),
            "relevance_texts": [st.topic_text for st in states],
            "framing_dense": np.hstack([framing_dense, extra[:, :N_STANCE]]),
            "framing_texts": [st.own_text for st in states],
        }

    def decide_supervised(self, probs: dict[str, float], relevance: float, n_evidence: dict[str, int]) -> tuple[str, float]:
        th = self.fitted["supervised"]["thresholds"]
        if relevance < th["relevance"]:
            return LABEL_OFF_TOPIC, 1.0 - relevance
        framings = sorted((f for f in probs if f != LABEL_NEITHER), key=probs.get, reverse=True)
        top = max(probs, key=probs.get)
        if len(framings) > 1 and probs[framings[1]] >= th["mixed"] and all(n_evidence.get(f, 0) >= MIN_EVIDENCE for f in framings[:2]):
            return LABEL_MIXED, relevance * probs[framings[1]]
        if top == LABEL_NEITHER or n_evidence.get(top, 0) < MIN_EVIDENCE:
            return LABEL_NEITHER, relevance * probs.get(LABEL_NEITHER, 0.0)
        return top, relevance * probs[top]

    # ---- classification ---------------------------------------------------------------
    def classify_many(self, docs: list[ArticleText]) -> list[Classification]:
        # One token cache for the whole batch: the supervised layer re-reads the
        # texts doc_states has analysed (lexical.py).
        with batch_token_cache():
            return self._classify_many(docs)

    def _classify_many(self, docs: list[ArticleText]) -> list[Classification]:
        states, rel_features = self.doc_states(docs)
        all_margins = [self.margins(st) for st in states]
        all_feats = [self.framing_features(st, m) for st, m in zip(states, all_margins)]
        sup = self.supervised_models() if docs else None
        if sup:
            x = self.supervised_inputs(states, rel_features, all_feats)
            relevance = sup[0].proba(x["relevance_dense"], x["relevance_texts"])[:, sup[0].classes.index(1)]
            # A text that never names one of the two countries is not about their
            # relations (all 28 such texts in the fit, dev and demo sets are off-topic);
            # the fitted model has no data for that corner (e.g. an empty page).
            relevance = np.where(rel_features[:, 0] > 0, relevance, 0.0)
            probs = sup[1].proba(x["framing_dense"], x["framing_texts"])
        else:
            relevance = self.gate.probability(rel_features) if len(docs) else np.zeros(0)
        out = []
        for k, (state, rel) in enumerate(zip(states, relevance)):
            margins, feats = all_margins[k], all_feats[k]
            evidence: list[Evidence] = []
            for f, margin in margins.items():
                evidence.extend(self._evidence(state, f, margin))
            counts = {f: sum(e.framing_id == f for e in evidence) for f in feats}
            if sup:
                p = {c: float(v) for c, v in zip(sup[1].classes, probs[k])}
                scores = {f: round(p[f], 4) for f in feats}
                label, conf = self.decide_supervised(p, float(rel), counts)
            else:
                scores = {f: round(float(self._score(v, f)), 4) for f, v in feats.items()}
                label, conf = self.decide(scores, float(rel), counts)
            out.append(
                Classification(
                    label=label,
                    scores=scores,
                    confidence=round(float(np.clip(conf, 0, 1)), 4),
                    relevance=round(float(rel), 4),
                    evidence=evidence,
                    classifier=self.name,
                    classifier_version=self.version,
                    params=self.params,
                    reference_hashes=self.reference_hashes,
                )
            )
        return out


def references_digest(references: list) -> str:
    """sha256 over the sorted (framing id, file sha256) pairs: the reference set's identity."""
    return _digest(sorted((r.id, r.sha256) for r in references))


def _digest(obj) -> str:
    return hashlib.sha256(json.dumps(obj, sort_keys=True, default=str).encode()).hexdigest()
