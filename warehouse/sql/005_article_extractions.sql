-- Schema version 5: earlier extractions of an article, kept by `framewatch reextract`.
--
-- Re-extraction updates `articles` in place: article_id, canonical_url,
-- story_id and every classification stay keyed to the same row, so no view
-- has to choose between two extractions. What the row said before is
-- copied here first, one row per replaced extraction, with the label the
-- analysts saw for it (the current classifier version at that moment), so
-- old and new text, word count and label can be compared in SQL
-- (docs/reprocess.md).

CREATE TABLE article_extractions (
    article_id          VARCHAR NOT NULL,
    extractor_version   VARCHAR,          -- the version that produced this (older) extraction
    title               VARCHAR,
    author              VARCHAR,
    published_at        TIMESTAMPTZ,
    published_source    VARCHAR,
    site_name           VARCHAR,
    language            VARCHAR,
    language_method     VARCHAR,
    text                VARCHAR,
    word_count          INTEGER,
    content_sha256      VARCHAR,
    raw_sha256          VARCHAR,
    classifier          VARCHAR,          -- the current classification of this text when it was replaced
    classifier_version  VARCHAR,
    label               VARCHAR,
    replaced_at         TIMESTAMPTZ NOT NULL,
    replaced_by_run     VARCHAR           -- runs.run_id of the reextract batch
);
CREATE INDEX article_extractions_article ON article_extractions (article_id);

COMMENT ON TABLE article_extractions IS 'Earlier extractions of an article replaced by framewatch reextract (articles holds the current one).';
COMMENT ON COLUMN article_extractions.extractor_version IS 'Extractor version of the replaced extraction; articles.extractor_version is the current one.';
COMMENT ON COLUMN article_extractions.label IS 'Label of the replaced text under the classifier version current at the time (NULL if none).';
