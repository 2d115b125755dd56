"""The failure patterns seen on real commentary (issue 12), each on text written
for this test (never real articles): the default classifier must get them right."""
from __future__ import annotations

import pytest

from framing import ArticleText, make_classifier

A, B = "transactional_truce", "institutional_engagement"

ADOPTED_REPORTED_TRUCE = ArticleText(
    "Trade Truce Buys Time, but Few Expect It to Last",
    "The agreement reached by the two presidents was widely viewed as a stopgap rather than a settlement.\n"
    "Analysts called it a pause in the trade war, not an end to it, and the evidence supports them.\n"
    "Tariffs were suspended for a year, not removed, and export controls were put on hold, not lifted.\n"
    "Trade economists described the deal as a short-term swap of soybean purchases for tariff relief, and markets treated it that way.\n"
    "Officials on both sides conceded that the core disputes over technology and subsidies were left untouched.\n"
    "The arrangement rests on the personal rapport between Trump and Xi, and it can be reversed with a single post.\n"
    "As one former negotiator put it, this is a ceasefire that both sides will use to prepare for the next round.\n"
    "That is the right reading: the truce is fragile and transactional, and confrontation is likely to return when it expires.",
)

ENGAGEMENT_WITH_STABILITY = ArticleText(
    "Why Washington Should Build on the Summit With Regular Dialogue",
    "The summit between the United States and China calmed markets, but stability is not the achievement that matters most.\n"
    "What matters is whether the two governments turn one meeting into a habit of working together.\n"
    "The agreement to restore military-to-military channels and to hold regular trade consultations is the beginning of such a habit.\n"
    "Washington should treat these mechanisms as permanent institutions, staffed and funded, not as favours to be withdrawn.\n"
    "Decades of experience show that sustained engagement between officials builds the trust that prevents crises.\n"
    "Framing the relationship as a zero-sum strategic competition makes cooperation on climate, health and finance impossible.\n"
    "The two countries should be partners in managing the world economy, and regular leader visits can anchor that partnership.\n"
    "Policy makers in both capitals should invest in these institutions now, while the political window is open.",
)

HAWKISH_LEVERAGE = ArticleText(
    "Beijing Holds the Cards After the Trade Deal",
    "The trade deal announced this week shows who holds the leverage in the relationship between the United States and China.\n"
    "Washington came to the table because Beijing's export controls on rare earths threatened American factories.\n"
    "China gave up little: it agreed to buy soybeans it needed anyway and kept its controls in reserve.\n"
    "The United States, by contrast, suspended tariffs and paused its own export restrictions.\n"
    "In any honest scorecard of the negotiation, the US lost and China won.\n"
    "Beijing has learned that its chokehold on critical minerals is a weapon that works.\n"
    "American policy must now rebuild supply chains at home and with allies, or it will keep negotiating from weakness.\n"
    "Until then, every round of talks will end the same way, with China setting the terms.",
)

WIRE_NEWS_MILITARY_CHANNEL = ArticleText(
    "US and Chinese defence chiefs hold video call",
    "The defence ministers of the United States and China held a video call on Tuesday, the Pentagon said in a statement.\n"
    "According to the readout, the two sides discussed the situation in the South China Sea and the Taiwan Strait.\n"
    "The Chinese defence ministry said the two militaries agreed to maintain communication through existing channels.\n"
    "A spokesman for the Pentagon said the secretary raised concerns about unsafe intercepts by Chinese aircraft.\n"
    "The call was the first between the two ministers since the summit between the two presidents last month.\n"
    "Officials said working-level talks on maritime safety would take place in the coming weeks.\n"
    "The ministries did not say whether an in-person meeting had been scheduled.",
)

HARD_NEGATIVE_EU_CHINA = ArticleText(
    "EU and China clash over electric car tariffs at Brussels talks",
    "European Union and Chinese trade officials met in Brussels on Monday to discuss duties on electric vehicles.\n"
    "The European Commission imposed the duties last year after finding that Chinese carmakers received unfair subsidies.\n"
    "Beijing has responded with investigations into European brandy, pork and dairy exports.\n"
    "German carmakers, who sell heavily in China, have urged Brussels to negotiate a minimum price deal instead.\n"
    "France and Spain backed the duties, while Hungary opposed them in the vote of member states.\n"
    "The talks come weeks after the United States and China agreed a trade truce, which European officials said could divert Chinese exports to Europe.\n"
    "The Commission said talks on a price undertaking with Chinese firms would continue next month.\n"
    "The European Parliament's trade committee will debate the issue on Thursday.",
)

WESTERN_ENGAGEMENT_OPED = ArticleText(
    "The Case for Patient Diplomacy With China",
    "American foreign policy needs a steadier approach to China than the cycle of tariffs and summits.\n"
    "The alternative to confrontation is not appeasement but diplomacy that is patient, structured and continuous.\n"
    "That means standing working groups on trade, a crisis hotline that is actually answered, and regular cabinet-level dialogue.\n"
    "It means treating exchanges of students, scientists and journalists as an asset, not a security risk.\n"
    "The strategic competitor label has narrowed what Washington thinks is possible and made every contact look like a concession.\n"
    "A relationship this important should rest on institutions that survive changes of government on either side.\n"
    "Engagement did not fail; it was abandoned before its long-term benefits could be seen.\n"
    "The next administration should rebuild the channels of cooperation and keep them open through bad times as well as good.",
)

CASES = [
    ("reported speech the piece adopts", ADOPTED_REPORTED_TRUCE, {A}),
    ("engagement piece sharing the stabilisation topic", ENGAGEMENT_WITH_STABILITY, {B}),
    ("hawkish leverage piece using deal vocabulary", HAWKISH_LEVERAGE, {"neither"}),
    ("descriptive wire news about a military call", WIRE_NEWS_MILITARY_CHANNEL, {"neither"}),
    ("EU-China story mentioning the truce in passing", HARD_NEGATIVE_EU_CHINA, {"off_topic"}),
    ("Western pro-engagement op-ed", WESTERN_ENGAGEMENT_OPED, {B}),
]


@pytest.fixture(scope="module")
def results():
    return make_classifier().classify_many([doc for _, doc, _ in CASES])


@pytest.mark.parametrize("i", range(len(CASES)), ids=[c[0] for c in CASES])
def test_failure_pattern(results, i):
    name, _, allowed = CASES[i]
    r = results[i]
    assert r.label in allowed, f"{name}: {r.label} scores={r.scores} relevance={r.relevance}"
    if r.label in (A, B):
        assert sum(e.framing_id == r.label for e in r.evidence) >= 2


def test_attributing_a_view_is_told_from_rejecting_it():
    """Pattern 2: "analysts called it a pause" carries a view the piece may adopt;
    "the commentariat calls it a truce; that story misses what happened" rejects it.
    Both cap the sentence's margin, but only a rejected sentence's words are kept
    out of the framing model's vocabulary, and the two are separate shares."""
    from framing.stance import is_attributed, is_distanced, is_rejected

    attributed = "Many analysts called the agreement a pause in the trade war."
    rejected = "The commentariat has settled on a story about the summit: a fragile truce."
    assert is_attributed(attributed) and not is_rejected(attributed)
    assert is_rejected(rejected) and not is_attributed(rejected)
    assert is_distanced(attributed) and is_distanced(rejected)

    clf = make_classifier("lexical")
    doc = ArticleText("A Win for Leverage", f"{attributed}\n{rejected}\nThat story misses what happened at the table.\n"
                      "Washington holds the stronger hand and should keep using it.")
    states, rel = clf.doc_states([doc])
    x = clf.supervised_inputs(states, rel, [clf.framing_features(st) for st in states])
    assert "pause" in x["framing_texts"][0] and "commentariat" not in x["framing_texts"][0]
    assert "misses what" not in x["framing_texts"][0] and "stronger hand" in x["framing_texts"][0]
    reported, attributed_share, rejected_share = x["framing_dense"][0][-3:]
    assert (reported, attributed_share, rejected_share) == (0.0, 0.25, 0.5)
