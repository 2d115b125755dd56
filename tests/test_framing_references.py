"""Reference loading: boilerplate stripped, page breaks re-joined, hashes, discovery."""

import hashlib
import shutil
from pathlib import Path

import pytest

from framing import load_references, make_classifier, ArticleText

SEEDS = Path(__file__).resolve().parent.parent / "seeds"


@pytest.fixture(scope="module")
def refs():
    return {r.id: r for r in load_references(SEEDS)}


def test_two_seed_references_with_metadata(refs):
    assert set(refs) == {"transactional_truce", "institutional_engagement"}
    truce = refs["transactional_truce"]
    assert truce.path.name == "000_8ee74f47851907a3.txt"
    assert truce.metadata["author"] == "Sujit Kumar Datta"
    assert refs["institutional_engagement"].metadata["publisher"].startswith("Asia-Pacific Leadership Network")


@pytest.mark.parametrize(
    "fragment",
    [
        "About RCAS", "nonprofit research organization", "Kwun Tong", "hkrcas@163.com", "Springer Nature",
        "Welcome to visit", "Deputy Director", "University of Chittagong", "first published", "▲", "Shen Hong",
        "ABOUT APLN", "Seoul-based", "do not necessarily reflect", "Fudan University", "Director of the Institute",
        "RCAS Commentary",
    ],
)
def test_boilerplate_is_not_in_reference_sentences(refs, fragment):
    for ref in refs.values():
        for sentence in ref.body_sentences:
            assert fragment.lower() not in sentence.lower(), (ref.id, sentence)


def test_headings_are_not_glued_to_sentences(refs):
    body = refs["institutional_engagement"].body_sentences
    assert not any(s.startswith(("Stable China-US Relations Expected", "Sustained Engagement", "Positive Support")) for s in body)


def test_sentences_split_across_page_breaks_are_rejoined(refs):
    body = refs["institutional_engagement"].body_sentences
    assert any(s.startswith("A stable and healthy China-US relationship will not only benefit") for s in body)
    assert any("in the interest of all countries to support a stable China-United States relationship" in s for s in body)
    assert not any(s.rstrip().endswith(("healthy", " to")) for s in body)


def test_repeated_lede_kept_once(refs):
    body = refs["transactional_truce"].body_sentences
    assert sum(s.startswith("U.S. President Donald Trump visited Asia recently") for s in body) == 1


def test_abbreviations_do_not_split_sentences(refs):
    body = refs["transactional_truce"].body_sentences
    assert "The U.S. claims its foreign policy has never been ideologically driven." in body


def test_framing_sentences_drop_shared_topic_but_keep_framing(refs):
    truce, engage = refs["transactional_truce"], refs["institutional_engagement"]
    assert any("hiatus rather than a point of transition" in s for s in truce.sentences)
    assert any("strategic competitor" in s and "misleading" in s for s in engage.sentences)
    # The bare event fact is the topic, not a framing.
    assert not any(s.startswith("On October 30, Chinese President Xi Jinping") for s in engage.sentences)
    assert set(engage.sentences) < set(engage.body_sentences)


def test_sha256_is_of_the_file_bytes(refs):
    for ref in refs.values():
        assert ref.sha256 == hashlib.sha256(ref.path.read_bytes()).hexdigest()


HAWKISH = """Competition First

The Busan meeting should not distract Washington from the central fact of this era: the rivalry with China is
structural and long. Deterrence in the Taiwan Strait must come before any trade arrangement.

Export controls on advanced chips are a security measure and must never be traded for soybeans.
Alliances with Japan, Australia and the Philippines are the foundation of American strategy in Asia.
Summit diplomacy is theatre; the military balance is what keeps the peace.
"""


def test_third_reference_is_picked_up_without_code_change(tmp_path):
    for p in SEEDS.iterdir():
        shutil.copy(p, tmp_path / p.name)
    (tmp_path / "002_hawk.txt").write_text(HAWKISH, encoding="utf-8")
    (tmp_path / "002_hawk.toml").write_text(
        'id = "hawkish_rivalry"\nname = "Hawkish rivalry"\ndescription = "Competition first."\n'
        'title = "Competition First"\nauthor = "Test Author"\npublisher = "Test"\ndate = "2025-12-01"\nurl = ""\n',
        encoding="utf-8",
    )
    refs = load_references(tmp_path)
    assert [r.id for r in refs] == ["transactional_truce", "institutional_engagement", "hawkish_rivalry"]
    assert any("Deterrence in the Taiwan Strait" in s for s in refs[2].body_sentences)
    clf = make_classifier("lexical", seeds_dir=tmp_path)
    [result] = clf.classify_many([ArticleText("US-China rivalry", "Washington must keep export controls on chips and deter Beijing over Taiwan. China is a rival of the United States.")])
    assert set(result.scores) == {"transactional_truce", "institutional_engagement", "hawkish_rivalry"}
    assert set(result.reference_hashes) == set(result.scores)


def test_metadata_without_id_is_rejected(tmp_path):
    (tmp_path / "x.txt").write_text("Some text here that is long enough.", encoding="utf-8")
    (tmp_path / "x.toml").write_text('name = "X"\ndescription = "d"\n', encoding="utf-8")
    with pytest.raises(ValueError, match="missing id"):
        load_references(tmp_path)
