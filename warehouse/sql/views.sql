-- Analyst views and macros, with their documentation (COMMENT ON).
--
-- Not a migration: views hold no data, so they are re-created (CREATE OR
-- REPLACE) whenever this file changes, right after migrations, by every
-- writer open (warehouse/db.py). A view can then evolve without a schema
-- version bump, and an old file gets the current views on its next run.
--
-- Conventions: days are UTC calendar days; weeks start on Monday (ISO);
-- counts are of STORIES, not copies (a story is one commentary and every
-- copy of it; see story_framings); shares are normalised by the on-topic
-- story total of the same period. Only the current classifier version
-- (table classifier_versions) is reported.
-- Statements are separated by a semicolon at the end of a line.

-- Which version is current is decided in one place, warehouse.db.promote_classifier
-- (called by the loader and by reclassify); this view only reads its flag.
CREATE OR REPLACE VIEW current_classifier AS
SELECT classifier, classifier_version FROM classifier_versions WHERE is_current;

COMMENT ON VIEW current_classifier IS 'The one classifier version every analyst view reports (is_current in classifier_versions).';
COMMENT ON COLUMN current_classifier.classifier IS 'Classifier name, e.g. lexical or embedding backend.';
COMMENT ON COLUMN current_classifier.classifier_version IS 'Version string of that classifier.';

CREATE OR REPLACE VIEW latest_classifications AS
SELECT
    a.article_id,
    coalesce(a.story_id, a.article_id) AS story_id,
    a.source_id,
    a.title,
    a.canonical_url,
    coalesce(a.published_at, a.fetched_at) AS dated_at,
    c.label,
    c.label <> 'off_topic' AS on_topic,
    c.confidence,
    c.relevance,
    s.scores,
    c.classifier,
    c.classifier_version,
    c.classified_at
FROM classifications c
JOIN current_classifier v USING (classifier, classifier_version)
JOIN articles a USING (article_id)
LEFT JOIN (
    SELECT article_id, classifier, classifier_version,
           map(list(framing_id ORDER BY framing_id), list(score ORDER BY framing_id)) AS scores
    FROM framing_scores GROUP BY ALL
) s USING (article_id, classifier, classifier_version);

COMMENT ON VIEW latest_classifications IS 'One row per classified article (copies included) under the current classifier version only.';
COMMENT ON COLUMN latest_classifications.article_id IS 'The article (see articles).';
COMMENT ON COLUMN latest_classifications.story_id IS 'The story it belongs to: article_id of its earliest copy.';
COMMENT ON COLUMN latest_classifications.source_id IS 'Think tank that published this copy.';
COMMENT ON COLUMN latest_classifications.title IS 'Article title.';
COMMENT ON COLUMN latest_classifications.canonical_url IS 'Canonical URL of this copy.';
COMMENT ON COLUMN latest_classifications.dated_at IS 'published_at, or fetched_at when the publication date is unknown.';
COMMENT ON COLUMN latest_classifications.label IS 'A framing_id, or mixed | neither | off_topic.';
COMMENT ON COLUMN latest_classifications.on_topic IS 'label <> off_topic: counted in share denominators.';
COMMENT ON COLUMN latest_classifications.confidence IS 'Classifier confidence in the label, 0..1.';
COMMENT ON COLUMN latest_classifications.relevance IS 'How much the text is about US-China relations, 0..1.';
COMMENT ON COLUMN latest_classifications.scores IS 'MAP framing_id -> score in [0, 1]; e.g. scores[''transactional_truce''].';
COMMENT ON COLUMN latest_classifications.classifier IS 'Classifier name.';
COMMENT ON COLUMN latest_classifications.classifier_version IS 'Classifier version (always the current one here).';
COMMENT ON COLUMN latest_classifications.classified_at IS 'When this classification was made.';

-- The one definition of a story: every article sharing a story_id (the
-- article_id of its earliest copy), dated by the earliest publication date of
-- any copy, or the fetch time when no copy has one.
CREATE OR REPLACE VIEW stories AS
SELECT
    coalesce(story_id, article_id) AS story_id,
    coalesce(story_id, article_id) AS original_article_id,
    min(coalesce(published_at, fetched_at)) AS dated_at,
    CAST(timezone('UTC', min(coalesce(published_at, fetched_at))) AS DATE) AS story_date,
    count(*) AS copies,
    count(DISTINCT source_id) AS sources,
    max(CASE WHEN article_id = coalesce(story_id, article_id) THEN title END) AS title
FROM articles
GROUP BY coalesce(story_id, article_id);

COMMENT ON VIEW stories IS 'One row per story (a commentary and every copy of it), whatever its classification. story_framings adds the label.';
COMMENT ON COLUMN stories.story_id IS 'article_id of the earliest copy (the original).';
COMMENT ON COLUMN stories.original_article_id IS 'The original: equal to story_id.';
COMMENT ON COLUMN stories.dated_at IS 'Earliest published_at of any copy (fetched_at when unknown): use it for trends.';
COMMENT ON COLUMN stories.story_date IS 'UTC calendar day of dated_at.';
COMMENT ON COLUMN stories.copies IS 'Stored copies, the original included.';
COMMENT ON COLUMN stories.sources IS 'Distinct sources carrying the story.';
COMMENT ON COLUMN stories.title IS 'The original''s title.';

CREATE OR REPLACE VIEW story_framings AS
WITH members AS (
    SELECT a.article_id, coalesce(a.story_id, a.article_id) AS story_id, a.source_id, a.title, a.canonical_url,
           coalesce(a.published_at, a.fetched_at) AS dated_at,
           c.label, c.confidence, c.relevance, c.classifier_version
    FROM articles a
    LEFT JOIN (
        SELECT c.* FROM classifications c JOIN current_classifier v USING (classifier, classifier_version)
    ) c USING (article_id)
),
story_dates AS (
    SELECT story_id, copies, dated_at AS first_dated_at, story_date FROM stories
),
picked AS (
    -- The original's classification ...
    SELECT * FROM members WHERE article_id = story_id AND label IS NOT NULL
    UNION ALL
    -- ... or, when the original has none, the earliest classified copy's
    -- (rare, so the window runs over few rows).
    SELECT * FROM members m
    WHERE label IS NOT NULL AND article_id <> story_id
      AND story_id NOT IN (SELECT article_id FROM members WHERE article_id = story_id AND label IS NOT NULL)
    QUALIFY row_number() OVER (PARTITION BY story_id ORDER BY dated_at, article_id) = 1
)
SELECT
    s.story_id,
    p.article_id,
    p.source_id,
    p.title,
    p.canonical_url,
    s.first_dated_at AS dated_at,
    s.story_date,
    s.copies,
    p.label,
    p.label <> 'off_topic' AS on_topic,
    p.confidence,
    p.relevance,
    p.classifier_version
FROM story_dates s JOIN picked p USING (story_id);

COMMENT ON VIEW story_framings IS 'One row per story (a commentary and all its copies), labelled by its original under the current classifier version, dated by its earliest copy. Every count view is built on this.';
COMMENT ON COLUMN story_framings.story_id IS 'article_id of the earliest copy.';
COMMENT ON COLUMN story_framings.article_id IS 'The copy whose classification represents the story (the original when classified).';
COMMENT ON COLUMN story_framings.source_id IS 'Source of that copy: stories are credited to the think tank that published the original.';
COMMENT ON COLUMN story_framings.title IS 'Title of that copy.';
COMMENT ON COLUMN story_framings.canonical_url IS 'URL of that copy.';
COMMENT ON COLUMN story_framings.dated_at IS 'Earliest published_at of any copy (fetched_at when unknown).';
COMMENT ON COLUMN story_framings.story_date IS 'UTC calendar day of dated_at.';
COMMENT ON COLUMN story_framings.copies IS 'Number of stored copies (1 = no copy found).';
COMMENT ON COLUMN story_framings.label IS 'A framing_id, or mixed | neither | off_topic.';
COMMENT ON COLUMN story_framings.on_topic IS 'label <> off_topic.';
COMMENT ON COLUMN story_framings.confidence IS 'Classifier confidence, 0..1.';
COMMENT ON COLUMN story_framings.relevance IS 'Relevance to US-China relations, 0..1.';
COMMENT ON COLUMN story_framings.classifier_version IS 'The current classifier version.';

CREATE OR REPLACE VIEW framing_labels AS
SELECT framing_id AS label, true AS is_framing FROM framings
UNION
SELECT label, false FROM (VALUES ('mixed'), ('neither')) t(label)
UNION
-- a label no longer in framings (a retired reference) still gets its row
SELECT DISTINCT c.label, false FROM classifications c JOIN current_classifier v USING (classifier, classifier_version)
WHERE c.label NOT IN ('off_topic', 'mixed', 'neither') AND c.label NOT IN (SELECT framing_id FROM framings);

COMMENT ON VIEW framing_labels IS 'The on-topic labels shares are reported for: every framing, mixed and neither.';
COMMENT ON COLUMN framing_labels.label IS 'A framing_id, mixed or neither.';
COMMENT ON COLUMN framing_labels.is_framing IS 'true for a reference framing in table framings.';

CREATE OR REPLACE VIEW framing_daily AS
WITH totals AS (
    SELECT story_date AS day, count(*) FILTER (WHERE on_topic) AS on_topic_stories, count(*) AS all_stories
    FROM story_framings GROUP BY ALL HAVING count(*) FILTER (WHERE on_topic) > 0
),
counts AS (
    SELECT story_date AS day, label, count(*) AS stories FROM story_framings WHERE on_topic GROUP BY ALL
)
SELECT t.day, l.label, l.is_framing, coalesce(c.stories, 0) AS stories, t.on_topic_stories,
       coalesce(c.stories, 0) / t.on_topic_stories AS share, t.all_stories
FROM totals t CROSS JOIN framing_labels l
LEFT JOIN counts c ON c.day = t.day AND c.label = l.label;

COMMENT ON VIEW framing_daily IS 'Per UTC day and on-topic label: stories and share of the day''s on-topic stories. Every label has a row (0 stories included) on each day with at least one on-topic story.';
COMMENT ON COLUMN framing_daily.day IS 'UTC calendar day (story_framings.story_date).';
COMMENT ON COLUMN framing_daily.label IS 'A framing_id, mixed or neither.';
COMMENT ON COLUMN framing_daily.is_framing IS 'true for a reference framing.';
COMMENT ON COLUMN framing_daily.stories IS 'Stories (not copies) with this label that day.';
COMMENT ON COLUMN framing_daily.on_topic_stories IS 'All on-topic stories that day: the share denominator.';
COMMENT ON COLUMN framing_daily.share IS 'stories / on_topic_stories, 0..1; the shares of one day sum to 1.';
COMMENT ON COLUMN framing_daily.all_stories IS 'Stories that day including off-topic ones.';

CREATE OR REPLACE VIEW framing_weekly AS
WITH weekly AS (
    SELECT CAST(date_trunc('week', story_date) AS DATE) AS week, label, on_topic FROM story_framings
),
totals AS (
    SELECT week, count(*) FILTER (WHERE on_topic) AS on_topic_stories, count(*) AS all_stories
    FROM weekly GROUP BY ALL HAVING count(*) FILTER (WHERE on_topic) > 0
),
counts AS (SELECT week, label, count(*) AS stories FROM weekly WHERE on_topic GROUP BY ALL)
SELECT t.week, l.label, l.is_framing, coalesce(c.stories, 0) AS stories, t.on_topic_stories,
       coalesce(c.stories, 0) / t.on_topic_stories AS share, t.all_stories
FROM totals t CROSS JOIN framing_labels l
LEFT JOIN counts c ON c.week = t.week AND c.label = l.label;

COMMENT ON VIEW framing_weekly IS 'Per ISO week (Monday start) and on-topic label: stories and share of the week''s on-topic stories.';
COMMENT ON COLUMN framing_weekly.week IS 'Monday of the week (UTC).';
COMMENT ON COLUMN framing_weekly.label IS 'A framing_id, mixed or neither.';
COMMENT ON COLUMN framing_weekly.is_framing IS 'true for a reference framing.';
COMMENT ON COLUMN framing_weekly.stories IS 'Stories (not copies) with this label that week.';
COMMENT ON COLUMN framing_weekly.on_topic_stories IS 'All on-topic stories that week: the share denominator.';
COMMENT ON COLUMN framing_weekly.share IS 'stories / on_topic_stories, 0..1; the shares of one week sum to 1.';
COMMENT ON COLUMN framing_weekly.all_stories IS 'Stories that week including off-topic ones.';

CREATE OR REPLACE VIEW framing_by_source AS
WITH weekly AS (
    SELECT CAST(date_trunc('week', story_date) AS DATE) AS week, source_id, label, on_topic FROM story_framings
),
totals AS (
    SELECT week, source_id, count(*) FILTER (WHERE on_topic) AS on_topic_stories, count(*) AS all_stories
    FROM weekly GROUP BY ALL HAVING count(*) FILTER (WHERE on_topic) > 0
),
counts AS (SELECT week, source_id, label, count(*) AS stories FROM weekly WHERE on_topic GROUP BY ALL)
SELECT t.week, t.source_id, src.name AS source_name, l.label, l.is_framing, coalesce(c.stories, 0) AS stories,
       t.on_topic_stories, coalesce(c.stories, 0) / t.on_topic_stories AS share, t.all_stories
FROM totals t CROSS JOIN framing_labels l
LEFT JOIN counts c ON c.week = t.week AND c.source_id IS NOT DISTINCT FROM t.source_id AND c.label = l.label
LEFT JOIN sources src ON src.source_id = t.source_id;

COMMENT ON VIEW framing_by_source IS 'Per think tank, ISO week and on-topic label: stories and share of that source''s on-topic stories that week. A story counts for the source of its original.';
COMMENT ON COLUMN framing_by_source.week IS 'Monday of the week (UTC).';
COMMENT ON COLUMN framing_by_source.source_id IS 'Source slug (sources.source_id).';
COMMENT ON COLUMN framing_by_source.source_name IS 'Source display name.';
COMMENT ON COLUMN framing_by_source.label IS 'A framing_id, mixed or neither.';
COMMENT ON COLUMN framing_by_source.is_framing IS 'true for a reference framing.';
COMMENT ON COLUMN framing_by_source.stories IS 'Stories with this label from this source that week.';
COMMENT ON COLUMN framing_by_source.on_topic_stories IS 'On-topic stories from this source that week: the share denominator.';
COMMENT ON COLUMN framing_by_source.share IS 'stories / on_topic_stories, 0..1.';
COMMENT ON COLUMN framing_by_source.all_stories IS 'Stories from this source that week including off-topic ones.';

CREATE OR REPLACE VIEW story_copies AS
SELECT
    coalesce(a.story_id, a.article_id) AS story_id,
    a.article_id,
    a.article_id = coalesce(a.story_id, a.article_id) AS is_original,
    count(*) OVER (PARTITION BY coalesce(a.story_id, a.article_id)) AS copies,
    a.source_id,
    a.title,
    a.canonical_url,
    a.published_at,
    a.fetched_at,
    a.content_sha256
FROM articles a;

COMMENT ON VIEW story_copies IS 'Every article with its story: filter copies > 1 to see which pieces are copies of one another.';
COMMENT ON COLUMN story_copies.story_id IS 'article_id of the story''s earliest copy.';
COMMENT ON COLUMN story_copies.article_id IS 'This copy.';
COMMENT ON COLUMN story_copies.is_original IS 'true for the earliest copy (article_id = story_id).';
COMMENT ON COLUMN story_copies.copies IS 'Number of stored copies of the story.';
COMMENT ON COLUMN story_copies.source_id IS 'Source that published this copy.';
COMMENT ON COLUMN story_copies.title IS 'Title of this copy.';
COMMENT ON COLUMN story_copies.canonical_url IS 'Canonical URL of this copy.';
COMMENT ON COLUMN story_copies.published_at IS 'Publication time of this copy (UTC).';
COMMENT ON COLUMN story_copies.fetched_at IS 'When we fetched it.';
COMMENT ON COLUMN story_copies.content_sha256 IS 'Hash of the normalised text: equal for exact copies.';

CREATE OR REPLACE VIEW article_evidence AS
SELECT
    lc.article_id,
    lc.story_id,
    lc.article_id = lc.story_id AS is_original,
    lc.source_id,
    lc.title,
    lc.dated_at,
    CAST(timezone('UTC', lc.dated_at) AS DATE) AS article_date,
    lc.label,
    lc.confidence,
    e.framing_id,
    e.rank,
    e.article_sentence,
    e.reference_sentence,
    e.similarity,
    lc.classifier_version
FROM latest_classifications lc
JOIN evidence e ON e.article_id = lc.article_id AND e.classifier = lc.classifier
               AND e.classifier_version = lc.classifier_version;

COMMENT ON VIEW article_evidence IS 'Why an article got its label: the sentence pairs (article, reference) behind it, current classifier version.';
COMMENT ON COLUMN article_evidence.article_id IS 'The article.';
COMMENT ON COLUMN article_evidence.story_id IS 'Its story.';
COMMENT ON COLUMN article_evidence.is_original IS 'true when this article is the story''s original.';
COMMENT ON COLUMN article_evidence.source_id IS 'Source of the article.';
COMMENT ON COLUMN article_evidence.title IS 'Article title.';
COMMENT ON COLUMN article_evidence.dated_at IS 'published_at, or fetched_at when unknown.';
COMMENT ON COLUMN article_evidence.article_date IS 'UTC calendar day of dated_at.';
COMMENT ON COLUMN article_evidence.label IS 'The article''s label.';
COMMENT ON COLUMN article_evidence.confidence IS 'Confidence in that label.';
COMMENT ON COLUMN article_evidence.framing_id IS 'The framing this sentence pair supports.';
COMMENT ON COLUMN article_evidence.rank IS '1 = strongest pair for that framing.';
COMMENT ON COLUMN article_evidence.article_sentence IS 'Sentence from the article.';
COMMENT ON COLUMN article_evidence.reference_sentence IS 'Closest sentence of the reference framing.';
COMMENT ON COLUMN article_evidence.similarity IS 'Similarity of the two sentences.';
COMMENT ON COLUMN article_evidence.classifier_version IS 'The current classifier version.';

-- The one definition of source health. Its thresholds come from
-- health_policy, which every run writes from its settings
-- (fetch.failure_threshold, alerts.silence_factor / min_silence_days), so
-- this view, `framewatch sources` and the source alerts (alerts/health.py)
-- agree by construction. source_health_at(T) is the same as of time T (the
-- alerts pass their own clock).
CREATE OR REPLACE MACRO source_health_at(at_time) AS TABLE
WITH pol AS (SELECT * FROM health_policy WHERE policy_id = 1),
arts AS (
    SELECT source_id, count(*) AS articles,
           count(*) FILTER (WHERE coalesce(published_at, fetched_at) >= at_time - INTERVAL 30 DAY) AS articles_30d,
           max(published_at) AS last_published_at
    FROM articles GROUP BY source_id
),
errs AS (
    SELECT source_id, count(*) AS errors_7d FROM fetch_errors
    WHERE occurred_at >= at_time - INTERVAL 7 DAY
      AND reason NOT IN ('prefilter_off_topic', 'sitemap_undated', 'sitemap_not_recent', 'poll_backed_off', 'feed_url_edited')
    GROUP BY source_id
),
items AS (
    SELECT source_id, coalesce(published_at, fetched_at) AS item_at,
           row_number() OVER (PARTITION BY source_id ORDER BY coalesce(published_at, fetched_at) DESC) AS rn
    FROM articles WHERE source_id IS NOT NULL
),
gaps AS (
    -- the usual gap between a source's items: median over its last 50
    SELECT source_id, max(item_at) AS last_article_at, count(*) AS recent_items, median(gap_days) AS median_gap_days
    FROM (SELECT source_id, item_at,
                 epoch(item_at - lag(item_at) OVER (PARTITION BY source_id ORDER BY item_at)) / 86400.0 AS gap_days
          FROM items WHERE rn <= 50)
    GROUP BY source_id
),
base AS (
    SELECT s.*, pol.failure_threshold,
           greatest(s.last_new_item_at, g.last_article_at) AS last_item_at,
           coalesce(g.recent_items, 0) AS recent_items, g.median_gap_days,
           -- silent: nothing new for silence_factor x the usual gap, at least
           -- min_silence_days; needs 5+ items to know what "usual" is
           CASE WHEN coalesce(g.recent_items, 0) >= 5 AND g.median_gap_days IS NOT NULL
                THEN greatest(pol.silence_factor * g.median_gap_days, pol.min_silence_days) END AS silence_limit_days
    FROM sources s CROSS JOIN pol
    LEFT JOIN gaps g ON g.source_id = s.source_id
)
SELECT
    b.source_id,
    b.name,
    CASE
        WHEN b.disabled THEN 'disabled'
        WHEN coalesce(b.consecutive_failures, 0) >= b.failure_threshold THEN 'failing'
        WHEN coalesce(b.consecutive_failures, 0) > 0 THEN 'erroring'
        -- nothing known yet: neither a poll nor an article (backfilled articles count)
        WHEN b.last_attempt_at IS NULL AND b.last_success_at IS NULL AND b.last_item_at IS NULL THEN 'never_polled'
        WHEN b.silence_limit_days IS NOT NULL
             AND epoch(at_time - b.last_item_at) / 86400.0 > b.silence_limit_days THEN 'silent'
        ELSE 'ok'
    END AS status,
    b.diagnosis,
    b.diagnosis_detail,
    coalesce(b.diagnosis IN ('not_a_feed', 'blocked', 'robots_disallowed', 'gone'), false) AS needs_action,
    b.discovery,
    b.kind,
    b.evidence,
    b.feed_url,
    b.current_feed_url,
    b.current_feed_url IS DISTINCT FROM b.feed_url AS moved,
    b.last_attempt_at,
    b.last_success_at,
    b.last_status,
    coalesce(b.consecutive_failures, 0) AS consecutive_failures,
    b.failure_threshold,
    b.last_error,
    b.last_new_item_at,
    b.newest_item_at,
    b.items_seen,
    date_diff('day', b.last_new_item_at, at_time) AS days_since_new_item,
    b.last_item_at,
    b.recent_items,
    b.median_gap_days,
    b.silence_limit_days,
    epoch(at_time - b.last_item_at) / 86400.0 AS silent_days,
    coalesce(a.articles, 0) AS articles,
    coalesce(a.articles_30d, 0) AS articles_30d,
    a.last_published_at,
    coalesce(e.errors_7d, 0) AS errors_7d,
    b.disabled,
    b.disabled_reason
FROM base b
LEFT JOIN arts a ON a.source_id = b.source_id
LEFT JOIN errs e ON e.source_id = b.source_id;

CREATE OR REPLACE VIEW source_health AS SELECT * FROM source_health_at(now());

COMMENT ON VIEW source_health IS 'One row per source: the one definition of source health (status) and its last poll''s diagnosis. Thresholds from health_policy; times relative to now().';
COMMENT ON COLUMN source_health.source_id IS 'Source slug.';
COMMENT ON COLUMN source_health.name IS 'Display name.';
COMMENT ON COLUMN source_health.status IS 'disabled | never_polled | failing (failure_threshold+ failed polls in a row) | erroring (last poll failed) | silent (nothing new for silence_limit_days) | ok.';
COMMENT ON COLUMN source_health.diagnosis IS 'Last poll: ok | teaser_only | not_a_feed | empty | stale | blocked | robots_disallowed | gone | unreachable (README, "Sources and feed diagnosis").';
COMMENT ON COLUMN source_health.diagnosis_detail IS 'What the last poll saw (entries, newest date, HTTP status).';
COMMENT ON COLUMN source_health.needs_action IS 'true when the diagnosis asks the operator to act (not_a_feed, blocked, robots_disallowed, gone).';
COMMENT ON COLUMN source_health.discovery IS 'feed | sitemap | wp-json.';
COMMENT ON COLUMN source_health.kind IS 'specialist | general (general: topic prefilter before page fetches).';
COMMENT ON COLUMN source_health.evidence IS 'Where and when the URL was seen to work (sources.toml).';
COMMENT ON COLUMN source_health.feed_url IS 'URL polled, as configured.';
COMMENT ON COLUMN source_health.current_feed_url IS 'URL polled after permanent redirects.';
COMMENT ON COLUMN source_health.moved IS 'current_feed_url differs from the configured URL (a permanent redirect).';
COMMENT ON COLUMN source_health.last_attempt_at IS 'Last poll.';
COMMENT ON COLUMN source_health.last_success_at IS 'Last successful poll (including 304 Not Modified).';
COMMENT ON COLUMN source_health.last_status IS 'HTTP status of the last poll.';
COMMENT ON COLUMN source_health.consecutive_failures IS 'Failed polls in a row.';
COMMENT ON COLUMN source_health.failure_threshold IS 'Failed polls in a row that make a source failing (health_policy).';
COMMENT ON COLUMN source_health.last_error IS 'Last poll error.';
COMMENT ON COLUMN source_health.last_new_item_at IS 'When a poll last found an entry not seen before.';
COMMENT ON COLUMN source_health.newest_item_at IS 'Publication time of the newest entry the last parsed poll listed.';
COMMENT ON COLUMN source_health.items_seen IS 'New entries found over all polls.';
COMMENT ON COLUMN source_health.days_since_new_item IS 'Whole days since last_new_item_at.';
COMMENT ON COLUMN source_health.last_item_at IS 'Latest of last_new_item_at and its newest article.';
COMMENT ON COLUMN source_health.recent_items IS 'Articles among its last 50 (the silence estimate needs 5).';
COMMENT ON COLUMN source_health.median_gap_days IS 'Median days between its last 50 articles.';
COMMENT ON COLUMN source_health.silence_limit_days IS 'Days of nothing new after which it is silent: max(silence_factor x median gap, min_silence_days).';
COMMENT ON COLUMN source_health.silent_days IS 'Days since last_item_at.';
COMMENT ON COLUMN source_health.articles IS 'Articles stored from this source (copies included).';
COMMENT ON COLUMN source_health.articles_30d IS 'Of those, dated within the last 30 days.';
COMMENT ON COLUMN source_health.last_published_at IS 'Latest publication time among its articles.';
COMMENT ON COLUMN source_health.errors_7d IS 'Fetch failures recorded for it in the last 7 days (decisions such as prefilter skips not counted).';
COMMENT ON COLUMN source_health.disabled IS 'Polling switched off.';
COMMENT ON COLUMN source_health.disabled_reason IS 'Why.';

-- Macros. DuckDB binds a macro's body when it is created, so a macro can
-- only refer to existing views and to its own parameters: everything that
-- varies (dates, framing, limits) is a parameter. Date ranges are
-- inclusive at both ends.

CREATE OR REPLACE MACRO share_of(part, whole) AS CAST(part AS DOUBLE) / nullif(whole, 0);

CREATE OR REPLACE MACRO framing_share(start_date, end_date) AS TABLE
WITH s AS (
    SELECT label, on_topic FROM story_framings
    WHERE story_date BETWEEN CAST(start_date AS DATE) AND CAST(end_date AS DATE)
),
t AS (SELECT count(*) FILTER (WHERE on_topic) AS on_topic_stories, count(*) AS all_stories FROM s),
c AS (SELECT label, count(*) AS stories FROM s WHERE on_topic GROUP BY label)
SELECT l.label, l.is_framing, coalesce(c.stories, 0) AS stories, t.on_topic_stories,
       share_of(coalesce(c.stories, 0), t.on_topic_stories) AS share, t.all_stories
FROM framing_labels l CROSS JOIN t LEFT JOIN c ON c.label = l.label;

CREATE OR REPLACE MACRO framing_share_by_source(start_date, end_date) AS TABLE
WITH s AS (
    SELECT source_id, label, on_topic FROM story_framings
    WHERE story_date BETWEEN CAST(start_date AS DATE) AND CAST(end_date AS DATE)
),
t AS (
    SELECT source_id, count(*) FILTER (WHERE on_topic) AS on_topic_stories FROM s
    GROUP BY source_id HAVING count(*) FILTER (WHERE on_topic) > 0
),
c AS (SELECT source_id, label, count(*) AS stories FROM s WHERE on_topic GROUP BY ALL)
SELECT t.source_id, l.label, l.is_framing, coalesce(c.stories, 0) AS stories, t.on_topic_stories,
       share_of(coalesce(c.stories, 0), t.on_topic_stories) AS share
FROM t CROSS JOIN framing_labels l
LEFT JOIN c ON c.source_id IS NOT DISTINCT FROM t.source_id AND c.label = l.label;

-- Evidence from story originals labelled with the framing (or mixed),
-- strongest first: what the framing sounded like in that period.
CREATE OR REPLACE MACRO top_evidence(framing, start_date, end_date, n := 10) AS TABLE
SELECT story_id, source_id, title, article_date, label, rank, article_sentence, reference_sentence, similarity
FROM article_evidence
WHERE framing_id = framing AND label IN (framing, 'mixed') AND is_original
  AND article_date BETWEEN CAST(start_date AS DATE) AND CAST(end_date AS DATE)
ORDER BY similarity DESC, story_id, rank
LIMIT n;

COMMENT ON MACRO share_of IS 'share_of(part, whole): part / whole as a DOUBLE, NULL when whole is 0.';
COMMENT ON MACRO TABLE framing_share IS 'framing_share(start_date, end_date): stories and share per on-topic label over an inclusive date range.';
COMMENT ON MACRO TABLE framing_share_by_source IS 'framing_share_by_source(start_date, end_date): the same per source.';
COMMENT ON MACRO TABLE top_evidence IS 'top_evidence(framing, start_date, end_date, n := 10): strongest sentence pairs for a framing from stories so labelled (or mixed) in the range.';
