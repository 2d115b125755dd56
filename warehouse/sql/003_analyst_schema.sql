-- Schema version 3: what analysts need on top of the pipeline's tables.
-- (Version 2 is the stories/dedup migration; migrations are applied by
-- number and a missing lower number is still applied later, see db.py.)

-- Which classifier version the views report. The reclassify feature keeps
-- old versions' rows; exactly one (classifier, version) is current, so
-- shares never mix two versions. The loader marks the version a run used
-- as current; warehouse.db.set_current_classifier() changes it by hand.
CREATE TABLE classifier_versions (
    classifier          VARCHAR NOT NULL,
    classifier_version  VARCHAR NOT NULL,
    first_seen_at       TIMESTAMPTZ NOT NULL,
    is_current          BOOLEAN NOT NULL DEFAULT false,
    note                VARCHAR,
    PRIMARY KEY (classifier, classifier_version)
);

-- Existing files: register every version already present; the one
-- classified most recently becomes current.
INSERT INTO classifier_versions (classifier, classifier_version, first_seen_at, is_current)
SELECT classifier, classifier_version, min(classified_at), false
FROM classifications WHERE classified_at IS NOT NULL
GROUP BY ALL;

UPDATE classifier_versions SET is_current = true
WHERE (classifier, classifier_version) IN (
    SELECT (classifier, classifier_version) FROM classifications
    ORDER BY classified_at DESC NULLS LAST, classifier_version DESC LIMIT 1
);

-- The alerts table is migration 004 (alerts/).

-- sha256 of views.sql when it was last applied: writers re-create views,
-- macros and their comments only when the file changed, so the many short
-- write opens of a run do not rewrite the catalog each time.
CREATE TABLE schema_views (
    sha256      VARCHAR NOT NULL,
    applied_at  TIMESTAMPTZ NOT NULL
);

-- Table documentation lives in the file itself, so an analyst's tool
-- (DBeaver, duckdb's .schema, duckdb_columns()) shows it.
COMMENT ON TABLE framings IS 'The reference framings (one per seed commentary) articles are compared against.';
COMMENT ON TABLE sources IS 'Think tanks / outlets polled, one feed each, with the feed''s health after the last poll.';
COMMENT ON TABLE runs IS 'One row per pipeline run: status, per-stage counts (JSON) and timings (JSON).';
COMMENT ON TABLE fetch_errors IS 'Every feed, page, extraction or classification failure of every run.';
COMMENT ON TABLE articles IS 'One row per fetched document (a copy published by a second site is a second row with the same story_id).';
COMMENT ON COLUMN articles.article_id IS 'First 16 hex of sha256(canonical_url).';
COMMENT ON COLUMN articles.canonical_url IS 'URL without tracking parameters or fragment: the dedup key.';
COMMENT ON COLUMN articles.published_at IS 'Publication time (UTC); NULL when neither the page nor the feed gave one.';
COMMENT ON COLUMN articles.published_source IS 'Where published_at came from: page (metadata) | feed | NULL.';
COMMENT ON COLUMN articles.content_sha256 IS 'sha256 of the normalised text: equal hashes are exact copies.';
COMMENT ON COLUMN articles.story_id IS 'article_id of the earliest copy of this commentary; equal to article_id for originals.';
COMMENT ON TABLE classifications IS 'One row per article and classifier version: label, confidence, relevance.';
COMMENT ON COLUMN classifications.label IS 'A framing_id, or mixed | neither | off_topic.';
COMMENT ON COLUMN classifications.relevance IS 'How much the article is about US-China relations, 0..1; off_topic below the threshold.';
COMMENT ON TABLE framing_scores IS 'Per article, classifier version and framing: calibrated score in [0, 1].';
COMMENT ON TABLE evidence IS 'Sentence pairs (article sentence, reference sentence) behind a classification, rank 1 strongest.';
COMMENT ON TABLE retry_queue IS 'Entries whose page fetch or extraction failed, retried on later runs.';
COMMENT ON TABLE classifier_versions IS 'Classifier versions seen; the views report the one with is_current.';
