-- Schema version 4: alerts (framing shifts and source health).
--
-- One row per alert, ever. An alert is created once (dedup_key is unique:
-- the same shift or the same source outage never produces a second row),
-- then moves new -> sent (every configured target took it) -> acknowledged
-- (a person saw it: `framewatch alerts ack ID`).

CREATE TABLE alerts (
    alert_id            VARCHAR PRIMARY KEY,   -- short hash of dedup_key
    kind                VARCHAR NOT NULL,      -- 'framing_shift' | 'source_silent' | 'source_failing'
    framing_id          VARCHAR,               -- framing_shift: the framing that crossed first
    source_id           VARCHAR,               -- source_*: the source concerned
    direction           VARCHAR,               -- 'up' | 'down' (framing_shift)
    baseline_share      DOUBLE,                -- share of on-topic stories in the baseline window
    current_share       DOUBLE,                -- share from the estimated start of the shift to detection
    magnitude           DOUBLE,                -- |current - baseline|, in share points (0.25 = 25 points)
    window_start        TIMESTAMPTZ,           -- estimated start of the shift (or of the outage)
    window_end          TIMESTAMPTZ,           -- end of the period in which it was detected
    detected_at         TIMESTAMPTZ,           -- = window_end for shifts; when the check ran for sources
    stories             JSON,                  -- [{story_id, article_id, title, url, label, published_at, evidence}]
    status              VARCHAR NOT NULL DEFAULT 'new',  -- 'new' | 'sent' | 'acknowledged'
    delivery_attempts   INTEGER NOT NULL DEFAULT 0,
    last_delivery_error VARCHAR,               -- secrets masked: target index and scheme only
    sent_at             TIMESTAMPTZ,
    acknowledged_at     TIMESTAMPTZ,
    dedup_key           VARCHAR NOT NULL UNIQUE,
    -- beyond the agreed columns:
    created_at          TIMESTAMPTZ,           -- when this row was written (wall clock)
    summary             VARCHAR,               -- one-line human explanation, also the message title
    details             JSON,                  -- statistic, threshold, granularity, co-moving framings, ...
    delivered_to        JSON                   -- fingerprints of targets that took it: a retry skips them
);

COMMENT ON TABLE alerts IS 'Framing shifts and source-health alerts, with their evidence and delivery state.';
