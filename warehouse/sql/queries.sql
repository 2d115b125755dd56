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
