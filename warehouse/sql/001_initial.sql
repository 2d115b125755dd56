-- Schema version 1: the daily pipeline's tables.
-- Times are TIMESTAMPTZ in UTC. Ids are stable hashes so reloads are idempotent.

CREATE TABLE framings (
    framing_id   VARCHAR PRIMARY KEY,   -- e.g. 'transactional_truce'
    name         VARCHAR,
    description  VARCHAR,
    title        VARCHAR,
    author       VARCHAR,
    publisher    VARCHAR,
    published    VARCHAR,
    url          VARCHAR,
    sha256       VARCHAR                -- of the reference document's bytes
);

CREATE TABLE sources (
    source_id            VARCHAR PRIMARY KEY,  -- slug from sources.toml
    name                 VARCHAR NOT NULL,
    site_url             VARCHAR,
    feed_url             VARCHAR NOT NULL,     -- as configured
    current_feed_url     VARCHAR,              -- after permanent redirects
    country              VARCHAR,
    language             VARCHAR,
    feed_verified        BOOLEAN,
    -- feed health, updated after every poll (see extractors/feed_health.py)
    etag                 VARCHAR,
    last_modified        VARCHAR,
    body_sha256          VARCHAR,
    last_attempt_at      TIMESTAMPTZ,
    last_success_at      TIMESTAMPTZ,
    last_status          INTEGER,
    consecutive_failures INTEGER DEFAULT 0,
    last_new_item_at     TIMESTAMPTZ,
    items_seen           BIGINT DEFAULT 0,
    last_error           VARCHAR,
    disabled             BOOLEAN DEFAULT false,
    disabled_reason      VARCHAR
);

CREATE TABLE runs (
    run_id        VARCHAR PRIMARY KEY,
    flow_run_id   VARCHAR,
    started_at    TIMESTAMPTZ NOT NULL,
    finished_at   TIMESTAMPTZ,
    status        VARCHAR,          -- 'completed' | 'completed_with_errors' | 'failed'
    counts        JSON,             -- per stage: feeds_polled, feeds_not_modified, entries_new, pages_fetched, ...
    timings       JSON,             -- seconds per stage
    error_count   INTEGER DEFAULT 0,
    message       VARCHAR
);

CREATE TABLE fetch_errors (
    run_id       VARCHAR NOT NULL,
    occurred_at  TIMESTAMPTZ NOT NULL,
    stage        VARCHAR NOT NULL,  -- 'feed' | 'page' | 'extract' | 'classify'
    source_id    VARCHAR,
    url          VARCHAR,
    reason       VARCHAR NOT NULL,  -- short code: timeout, too_large, ssrf_blocked, http_404, too_short, ...
    detail       VARCHAR,
    http_status  INTEGER
);

CREATE TABLE articles (
    article_id        VARCHAR PRIMARY KEY,    -- sha256 of canonical_url, first 16 hex
    canonical_url     VARCHAR NOT NULL UNIQUE,
    url               VARCHAR NOT NULL,       -- as fetched (after redirects)
    source_id         VARCHAR,
    feed_guid         VARCHAR,
    title             VARCHAR,
    author            VARCHAR,
    published_at      TIMESTAMPTZ,
    published_source  VARCHAR,                -- 'page' | 'feed' | NULL: where published_at came from
    site_name         VARCHAR,
    language          VARCHAR,
    text              VARCHAR,
    word_count        INTEGER,
    content_sha256    VARCHAR,                -- of the normalised text
    raw_sha256        VARCHAR,                -- of the page bytes (raw store key)
    story_id          VARCHAR,                -- cluster of copies of one commentary
    extractor_version VARCHAR,
    fetched_at        TIMESTAMPTZ,
    run_id            VARCHAR
);

CREATE TABLE classifications (
    article_id          VARCHAR NOT NULL,
    classifier          VARCHAR NOT NULL,
    classifier_version  VARCHAR NOT NULL,
    label               VARCHAR NOT NULL,   -- framing id | 'mixed' | 'neither' | 'off_topic'
    confidence          DOUBLE,
    relevance           DOUBLE,
    params              JSON,
    reference_hashes    JSON,               -- framing id -> sha256 of the reference used
    classified_at       TIMESTAMPTZ,
    run_id              VARCHAR,
    PRIMARY KEY (article_id, classifier, classifier_version)
);

CREATE TABLE framing_scores (
    article_id          VARCHAR NOT NULL,
    classifier          VARCHAR NOT NULL,
    classifier_version  VARCHAR NOT NULL,
    framing_id          VARCHAR NOT NULL,
    score               DOUBLE NOT NULL,    -- calibrated, in [0, 1]
    PRIMARY KEY (article_id, classifier, classifier_version, framing_id)
);

CREATE TABLE evidence (
    article_id          VARCHAR NOT NULL,
    classifier          VARCHAR NOT NULL,
    classifier_version  VARCHAR NOT NULL,
    framing_id          VARCHAR NOT NULL,
    rank                INTEGER NOT NULL,   -- 1 = strongest
    article_sentence    VARCHAR,
    reference_sentence  VARCHAR,
    similarity          DOUBLE
);

-- Entries whose page fetch or extraction failed: retried on every later run
-- (a feed answering 304 would otherwise never show them again) until they
-- succeed or reach the attempt limit; then status = 'abandoned'.
CREATE TABLE retry_queue (
    canonical_url   VARCHAR PRIMARY KEY,
    url             VARCHAR NOT NULL,
    source_id       VARCHAR,
    feed_guid       VARCHAR,
    feed_title      VARCHAR,
    feed_author     VARCHAR,
    feed_published  TIMESTAMPTZ,
    attempts        INTEGER NOT NULL,
    first_failed_at TIMESTAMPTZ,
    last_failed_at  TIMESTAMPTZ,
    last_reason     VARCHAR,
    status          VARCHAR NOT NULL       -- 'pending' | 'abandoned'
);
