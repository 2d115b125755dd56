-- Schema version 2: stories (every copy of one commentary, however often
-- it is republished) and what deduplication needs across runs.
-- A story's id is the article_id of its earliest publication; see
-- extractors/dedup.py for the rules and the README ("Stories") for queries.

ALTER TABLE articles ADD COLUMN language_method VARCHAR;   -- 'py3langid' | 'html_lang' | NULL
ALTER TABLE articles ADD COLUMN canonical_source VARCHAR;  -- 'link' (rel=canonical adopted) | 'fetched'
ALTER TABLE articles ADD COLUMN dedup_reason VARCHAR;      -- why it joined an existing story: 'exact' | 'near' | 'title' | NULL

-- Per article: the MinHash signature and the keys of the exact and title rules.
CREATE TABLE article_fingerprints (
    article_id   VARCHAR PRIMARY KEY,
    site         VARCHAR NOT NULL,      -- registrable domain (or host:port) of the canonical URL
    title_key    VARCHAR,               -- normalised title; NULL when too generic to identify a story
    n_shingles   INTEGER NOT NULL,      -- distinct 5-word shingles (for containment estimates)
    minhash      BLOB NOT NULL,         -- uint32[128], little-endian
    method       VARCHAR NOT NULL       -- e.g. 'minhash128-affine32-s1-w5': signatures compare only within one method
);
CREATE INDEX article_fingerprints_title ON article_fingerprints (site, title_key);

-- LSH bands of the signature: articles sharing a band key are candidate near-duplicates.
CREATE TABLE article_lsh_bands (
    band_key    BIGINT NOT NULL,
    article_id  VARCHAR NOT NULL
);
CREATE INDEX article_lsh_bands_key ON article_lsh_bands (band_key);

-- (A `stories` table was created here until schema 9 made it a view over
-- articles, views.sql; 009 drops the table from files that have it, and a
-- file reaching 002 only now never gets it.)

-- Articles loaded under schema 1 each start as their own story.
UPDATE articles SET story_id = article_id WHERE story_id IS NULL;
