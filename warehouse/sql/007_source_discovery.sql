-- Schema version 7: how each source is polled, what its last poll looked
-- like, and the thresholds of the one source-health definition.
--
-- sources.feed_url now holds the URL the source's discovery method polls
-- (a feed, a sitemap or robots.txt, or a WordPress posts API), as configured
-- in sources.toml. fetch_errors.stage gains 'discovery' (sitemap URLs not
-- fetched, with the reason) and 'prefilter' (entries of general outlets
-- judged off-topic from title and summary); those rows, like
-- 'poll_backed_off' and 'feed_url_edited', record decisions, not failures.

ALTER TABLE sources ADD COLUMN discovery VARCHAR DEFAULT 'feed';      -- feed | sitemap | wp-json
ALTER TABLE sources ADD COLUMN kind VARCHAR DEFAULT 'specialist';     -- specialist | general
ALTER TABLE sources ADD COLUMN evidence VARCHAR;                       -- where/when the URL was seen to work
ALTER TABLE sources ADD COLUMN diagnosis VARCHAR;                      -- last poll: ok, teaser_only, not_a_feed, empty, stale, blocked, robots_disallowed, gone, unreachable
ALTER TABLE sources ADD COLUMN diagnosis_detail VARCHAR;
ALTER TABLE sources ADD COLUMN newest_item_at TIMESTAMPTZ;             -- newest entry the last parsed poll listed

-- One row, written by every run (`policy_row` in extractors/feed_health.py): the
-- thresholds the source_health view applies, so the view, `framewatch
-- sources` and the alerts use the same numbers.
CREATE TABLE health_policy (
    policy_id          INTEGER PRIMARY KEY,   -- always 1
    failure_threshold  INTEGER NOT NULL,      -- failed polls in a row = failing
    silence_factor     DOUBLE NOT NULL,       -- silent after this x the median gap between items ...
    min_silence_days   DOUBLE NOT NULL,       -- ... and at least this many days
    stale_days         INTEGER NOT NULL,      -- diagnosis `stale` past this age of the newest entry
    updated_at         TIMESTAMPTZ
);
INSERT INTO health_policy VALUES (1, 5, 4.0, 7.0, 30, NULL);  -- the shipped defaults until a run writes its own
