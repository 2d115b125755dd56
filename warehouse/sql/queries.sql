-- Named queries used by the pipeline. Each starts with "-- name: <name>".

-- name: known_urls
-- Which of the candidate canonical URLs are already loaded (the dedup key).
SELECT c.url FROM candidate_urls c JOIN articles a ON a.canonical_url = c.url;

-- name: source_states
SELECT source_id, current_feed_url, etag, last_modified, body_sha256, last_attempt_at,
       last_success_at, last_status, consecutive_failures, last_new_item_at, items_seen,
       last_error, disabled, disabled_reason
FROM sources;

-- name: upsert_sources
INSERT INTO sources (source_id, name, site_url, feed_url, current_feed_url, country, language, feed_verified)
SELECT source_id, name, site_url, feed_url, feed_url, country, language, feed_verified FROM new_sources
ON CONFLICT (source_id) DO UPDATE SET
    name = excluded.name, site_url = excluded.site_url, country = excluded.country,
    language = excluded.language, feed_verified = excluded.feed_verified,
    -- a changed configured URL resets the redirect-followed one
    current_feed_url = CASE WHEN sources.feed_url <> excluded.feed_url THEN excluded.feed_url
                            ELSE sources.current_feed_url END,
    feed_url = excluded.feed_url;

-- name: update_source_health
UPDATE sources SET
    current_feed_url = h.current_feed_url, etag = h.etag, last_modified = h.last_modified,
    body_sha256 = h.body_sha256, last_attempt_at = h.last_attempt_at,
    last_success_at = h.last_success_at, last_status = h.last_status,
    consecutive_failures = h.consecutive_failures, last_new_item_at = h.last_new_item_at,
    items_seen = h.items_seen, last_error = h.last_error, disabled = h.disabled,
    disabled_reason = h.disabled_reason
FROM new_health h WHERE sources.source_id = h.source_id;

-- name: upsert_framings
INSERT OR REPLACE INTO framings SELECT * FROM new_framings;

-- name: insert_articles
INSERT OR IGNORE INTO articles BY NAME SELECT * FROM new_articles;

-- name: insert_classifications
INSERT OR IGNORE INTO classifications BY NAME SELECT * FROM new_classifications;

-- name: insert_framing_scores
INSERT OR IGNORE INTO framing_scores BY NAME SELECT * FROM new_framing_scores;

-- name: insert_evidence
INSERT INTO evidence BY NAME SELECT * FROM new_evidence;

-- name: insert_errors
INSERT INTO fetch_errors BY NAME SELECT * FROM new_errors;

-- name: insert_run
INSERT OR REPLACE INTO runs BY NAME SELECT * FROM new_run;

-- name: recent_runs
SELECT run_id, started_at, finished_at, status, counts, error_count, message
FROM runs ORDER BY started_at DESC LIMIT 10;

-- name: labels_count
SELECT c.label, count(*) AS articles
FROM classifications c
GROUP BY c.label ORDER BY articles DESC;

-- name: source_last_success
SELECT source_id, name, last_success_at, last_status, consecutive_failures, last_error
FROM sources ORDER BY source_id;

-- name: due_retries
SELECT canonical_url, url, source_id, feed_guid, feed_title, feed_author, feed_published, attempts
FROM retry_queue WHERE status = 'pending';

-- name: upsert_retries
INSERT INTO retry_queue BY NAME SELECT * FROM new_retries
ON CONFLICT (canonical_url) DO UPDATE SET
    attempts = retry_queue.attempts + 1,
    last_failed_at = excluded.last_failed_at,
    last_reason = excluded.last_reason,
    -- 5 attempts (daily runs: five days) separate a flaky server from a page that is gone
    status = CASE WHEN retry_queue.attempts + 1 >= 5 THEN 'abandoned' ELSE 'pending' END;

-- name: delete_retries
DELETE FROM retry_queue WHERE canonical_url IN (SELECT canonical_url FROM done_retries);

-- name: source_health
-- Feed health for `framewatch sources`: one row per feed, the worst first.
SELECT source_id, name, coalesce(current_feed_url, feed_url) AS feed_url,
       current_feed_url IS DISTINCT FROM feed_url AS moved,
       last_attempt_at, last_success_at, last_status, consecutive_failures,
       last_new_item_at, items_seen, last_error, disabled, disabled_reason
FROM sources
ORDER BY disabled DESC, consecutive_failures DESC, source_id;
-- name: register_classifier_versions
INSERT OR IGNORE INTO classifier_versions (classifier, classifier_version, first_seen_at, is_current)
SELECT DISTINCT classifier, classifier_version, now(), false FROM new_classifications;

-- name: classifier_version_coverage
SELECT count(*) FROM classifications WHERE classifier = ? AND classifier_version = ?;

-- name: set_current_classifier
UPDATE classifier_versions SET is_current = (classifier = $1 AND classifier_version = $2);

-- ---------------------------------------------------------------- alerts (issue 7)
-- A story is a cluster of copies (articles.story_id, else the article itself);
-- it counts once, on the date and with the label of its earliest copy.
-- Each article's label is from its latest classification. The lead may
-- switch these to the warehouse branch's framing_daily view.

-- name: alert_daily_counts
WITH latest AS (
    SELECT article_id, label,
           row_number() OVER (PARTITION BY article_id ORDER BY classified_at DESC, classifier_version DESC) AS rn
    FROM classifications
), story AS (
    SELECT coalesce(a.story_id, a.article_id) AS story_id, l.label,
           CAST(timezone('UTC', coalesce(a.published_at, a.fetched_at)) AS DATE) AS day,
           row_number() OVER (PARTITION BY coalesce(a.story_id, a.article_id)
                              ORDER BY coalesce(a.published_at, a.fetched_at), a.article_id) AS r
    FROM articles a JOIN latest l ON l.article_id = a.article_id AND l.rn = 1
)
SELECT day, label, count(*) AS stories
FROM story WHERE r = 1 AND label <> 'off_topic' AND day IS NOT NULL
GROUP BY day, label ORDER BY day, label;

-- name: alert_window_stories
-- The stories behind a shift: on-topic stories dated in [$1, $2] with their
-- strongest evidence sentence for their own label.
WITH latest AS (
    SELECT *, row_number() OVER (PARTITION BY article_id ORDER BY classified_at DESC, classifier_version DESC) AS rn
    FROM classifications
), story AS (
    SELECT coalesce(a.story_id, a.article_id) AS story_id, a.article_id, a.title, a.url, a.source_id,
           coalesce(a.published_at, a.fetched_at) AS item_at, l.label, l.confidence, l.classifier, l.classifier_version,
           row_number() OVER (PARTITION BY coalesce(a.story_id, a.article_id)
                              ORDER BY coalesce(a.published_at, a.fetched_at), a.article_id) AS r
    FROM articles a JOIN latest l ON l.article_id = a.article_id AND l.rn = 1
)
SELECT s.story_id, s.article_id, s.title, s.url, s.source_id, s.item_at, s.label, s.confidence,
       e.article_sentence, e.reference_sentence, e.similarity
FROM story s
LEFT JOIN evidence e ON e.article_id = s.article_id AND e.classifier = s.classifier
     AND e.classifier_version = s.classifier_version AND e.framing_id = s.label AND e.rank = 1
WHERE s.r = 1 AND s.label <> 'off_topic'
  AND CAST(timezone('UTC', s.item_at) AS DATE) BETWEEN $1 AND $2
ORDER BY s.confidence DESC NULLS LAST, s.item_at;

-- name: alert_framing_ids
SELECT framing_id FROM framings
UNION SELECT DISTINCT label FROM classifications WHERE label NOT IN ('mixed', 'neither', 'off_topic')
ORDER BY 1;

-- name: alert_source_activity
-- Per source: when we last saw a new item, and its usual gap between items
-- (median over its last 50 items' dates) for the silence check.
WITH items AS (
    SELECT source_id, coalesce(published_at, fetched_at) AS item_at,
           row_number() OVER (PARTITION BY source_id ORDER BY coalesce(published_at, fetched_at) DESC) AS rn
    FROM articles WHERE source_id IS NOT NULL
), gaps AS (
    SELECT source_id, item_at, epoch(item_at - lag(item_at) OVER (PARTITION BY source_id ORDER BY item_at)) / 86400.0 AS gap_days
    FROM items WHERE rn <= 50
)
SELECT s.source_id, s.name, s.disabled, s.consecutive_failures, s.last_success_at, s.last_error,
       s.last_attempt_at, greatest(s.last_new_item_at, max(g.item_at)) AS last_item_at,
       count(g.item_at) AS recent_items, median(g.gap_days) AS median_gap_days
FROM sources s LEFT JOIN gaps g ON g.source_id = s.source_id
GROUP BY s.source_id, s.name, s.disabled, s.consecutive_failures, s.last_success_at, s.last_error,
         s.last_attempt_at, s.last_new_item_at
ORDER BY s.source_id;

-- name: alert_existing_shifts
SELECT alert_id, framing_id, direction, window_start, window_end FROM alerts WHERE kind = 'framing_shift';

-- name: insert_alert
INSERT INTO alerts BY NAME SELECT * FROM new_alerts ON CONFLICT (dedup_key) DO NOTHING;

-- name: alerts_undelivered
SELECT * FROM alerts WHERE status = 'new' ORDER BY detected_at, alert_id;

-- name: alert_mark_delivery
UPDATE alerts SET delivery_attempts = delivery_attempts + 1, last_delivery_error = $2,
       delivered_to = $3, status = CASE WHEN $4 THEN 'sent' ELSE status END,
       sent_at = CASE WHEN $4 THEN now() ELSE sent_at END
WHERE alert_id = $1 AND status = 'new';

-- name: alerts_list
SELECT * FROM alerts ORDER BY detected_at DESC, alert_id;

-- name: alert_ack
UPDATE alerts SET status = 'acknowledged', acknowledged_at = now()
WHERE alert_id = $1 AND status <> 'acknowledged' RETURNING alert_id;

-- ---------------------------------------------------------------- reports
-- name: report_weekly
SELECT week, label, is_framing, stories, on_topic_stories, share FROM framing_weekly ORDER BY week, label;

-- name: report_by_source
SELECT week, source_id, source_name, label, is_framing, stories, on_topic_stories, share
FROM framing_by_source ORDER BY source_id, week, label;

-- name: report_alerts
SELECT alert_id, kind, framing_id, source_id, direction, baseline_share, current_share,
       window_start, detected_at, status, summary
FROM alerts ORDER BY detected_at;

-- name: report_latest_evidence
-- The strongest evidence of the latest week that has stories: one sentence
-- pair per original article, for articles labelled with a framing.
WITH last AS (SELECT max(date_trunc('week', dated_at)) AS week FROM article_evidence)
SELECT e.title, e.source_id, e.article_date, e.label, e.article_sentence, e.reference_sentence, e.similarity
FROM article_evidence e, last
WHERE date_trunc('week', e.dated_at) = last.week AND e.is_original AND e.rank = 1 AND e.framing_id = e.label
ORDER BY e.similarity DESC
LIMIT $1;
