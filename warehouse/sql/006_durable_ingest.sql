-- Schema version 6: ingest that survives a crash (issue #13).

-- Pending work: feed entries the poll step found and no batch has loaded
-- yet. The poll commits them together with the feeds' validators; each
-- batch removes its entries in the transaction that loads their articles,
-- so a run killed at any point leaves exactly the unfinished entries here
-- for the next run. `deferred`: beyond the per-feed cap; waits for a later
-- run (made ready at the start of the next one) instead of being dropped.
CREATE TABLE ingest_queue (
    canonical_url   VARCHAR PRIMARY KEY,
    url             VARCHAR NOT NULL,
    source_id       VARCHAR,
    feed_guid       VARCHAR,
    feed_title      VARCHAR,
    feed_author     VARCHAR,
    feed_published  TIMESTAMPTZ,
    date_note       VARCHAR,          -- why the feed's date was not trusted (date_in_future, date_before_1990)
    queued_at       TIMESTAMPTZ NOT NULL,
    queued_by_run   VARCHAR,
    deferred        BOOLEAN NOT NULL DEFAULT false
);

-- Counters the pipeline keeps about the warehouse itself. 'changes' goes up
-- in every write transaction (warehouse.db.transaction); 'snapshot_changes'
-- is the value the last published analyst snapshot was copied at. The
-- snapshot is republished whenever the two differ (warehouse/snapshot.py).
CREATE TABLE warehouse_meta (
    key    VARCHAR PRIMARY KEY,
    value  BIGINT NOT NULL
);
INSERT INTO warehouse_meta VALUES ('changes', 1), ('snapshot_changes', 0);

-- Where a feed's publication date was not trusted (see extractors/feeds.py):
-- the article keeps no feed date, and says why.
ALTER TABLE articles ADD COLUMN date_note VARCHAR;

-- Nothing dropped silently: every feed entry a run did not take as it came,
-- with a reason code, per feed and per run. Not failures (fetch_errors):
-- a publisher's sloppy feed is not a broken source.
--   no_link, bad_link_scheme, bad_link, link_too_long: not queued (nothing to fetch)
--   over_feed_cap: beyond fetch.max_entries_per_feed; queued for the next run
--   date_in_future, date_before_1990, date_invalid: kept, without the feed's date
CREATE TABLE entry_notes (
    run_id     VARCHAR NOT NULL,
    noted_at   TIMESTAMPTZ NOT NULL,
    source_id  VARCHAR,
    url        VARCHAR,              -- the entry's link (or title/id when it has no usable link)
    reason     VARCHAR NOT NULL,
    detail     VARCHAR
);
COMMENT ON TABLE entry_notes IS 'Feed entries a run skipped, deferred or kept without their date, with a reason code.';
