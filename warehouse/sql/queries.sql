-- Named queries used by the pipeline. Each starts with "-- name: <name>".

-- name: known_urls
-- Which of the candidate canonical URLs are already loaded (the dedup key).
SELECT c.url FROM candidate_urls c JOIN articles a ON a.canonical_url = c.url;

-- name: source_states
SELECT source_id, feed_url, current_feed_url, etag, last_modified, body_sha256, last_attempt_at,
       last_success_at, last_status, consecutive_failures, last_new_item_at, items_seen,
       last_error, disabled, disabled_reason, diagnosis, diagnosis_detail, newest_item_at
FROM sources;

-- name: upsert_sources
INSERT INTO sources (source_id, name, site_url, feed_url, current_feed_url, country, language, feed_verified,
                     discovery, kind, evidence)
SELECT source_id, name, site_url, feed_url, feed_url, country, language, feed_verified, discovery, kind, evidence
FROM new_sources
ON CONFLICT (source_id) DO UPDATE SET
    name = excluded.name, site_url = excluded.site_url, country = excluded.country,
    language = excluded.language, feed_verified = excluded.feed_verified,
    discovery = excluded.discovery, kind = excluded.kind, evidence = excluded.evidence,
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
    disabled_reason = h.disabled_reason, diagnosis = h.diagnosis, diagnosis_detail = h.diagnosis_detail,
    newest_item_at = h.newest_item_at
FROM new_health h WHERE sources.source_id = h.source_id;

-- name: upsert_health_policy
INSERT OR REPLACE INTO health_policy BY NAME SELECT * FROM new_health_policy;

-- name: upsert_framings
INSERT OR REPLACE INTO framings SELECT * FROM new_framings;

-- name: insert_articles
INSERT OR IGNORE INTO articles BY NAME SELECT * FROM new_articles;

-- name: insert_new_articles
-- Articles the caller found not stored (LoadBatch.articles_new), and their
-- classifications and scores: a conflict is an error (load_batch then loads
-- the batch again with the OR IGNORE queries).
INSERT INTO articles BY NAME SELECT * FROM new_articles;

-- name: insert_new_classifications
INSERT INTO classifications BY NAME SELECT * FROM new_classifications;

-- name: insert_new_framing_scores
INSERT INTO framing_scores BY NAME SELECT * FROM new_framing_scores;

-- name: insert_classifications
INSERT OR IGNORE INTO classifications BY NAME SELECT * FROM new_classifications;

-- name: insert_framing_scores
INSERT OR IGNORE INTO framing_scores BY NAME SELECT * FROM new_framing_scores;

-- name: insert_evidence
INSERT INTO evidence BY NAME SELECT * FROM new_evidence;

-- name: insert_errors
INSERT INTO fetch_errors BY NAME SELECT * FROM new_errors;

-- name: insert_skips
INSERT INTO fetch_errors BY NAME SELECT * FROM new_skips;

-- name: insert_run
INSERT OR REPLACE INTO runs BY NAME SELECT * FROM new_run;

-- name: recent_runs
SELECT run_id, started_at, finished_at, status, counts, error_count, message
FROM runs ORDER BY started_at DESC LIMIT 10;

-- name: labels_count
-- Current classifier version only: after `framewatch reclassify` an article
-- has one row per version, and counting them all would count it twice.
SELECT label, count(*) AS articles
FROM latest_classifications
GROUP BY label ORDER BY articles DESC;

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
-- `framewatch sources`: the source_health view (the one definition), worst first.
SELECT * FROM source_health
ORDER BY CASE status WHEN 'failing' THEN 0 WHEN 'disabled' THEN 1 WHEN 'erroring' THEN 2 WHEN 'silent' THEN 3
                     WHEN 'never_polled' THEN 4 ELSE 5 END,
         needs_action DESC, source_id;

-- name: register_classifier_versions
INSERT OR IGNORE INTO classifier_versions (classifier, classifier_version, first_seen_at, is_current)
SELECT DISTINCT classifier, classifier_version, now(), false FROM new_classifications;

-- name: classifier_version_coverage
SELECT count(*) FROM classifications WHERE classifier = ? AND classifier_version = ?;

-- name: set_current_classifier
UPDATE classifier_versions SET is_current = (classifier = $1 AND classifier_version = $2);

-- ---------------------------------------------------------------- alerts
-- Stories, their dates and labels come from the story_framings view: a
-- story counts once, dated by its earliest copy, labelled by its original
-- under the current classifier version.

-- name: alert_ids
SELECT alert_id FROM alerts;

-- name: alert_daily_counts
-- On-topic stories per day and label, from story_framings (views.sql): the
-- same stories, dates and current classifier version the analysts' views use.
SELECT story_date AS day, label, count(*) AS stories
FROM story_framings WHERE on_topic AND story_date IS NOT NULL
GROUP BY ALL ORDER BY day, label;

-- name: alert_window_stories
-- The stories behind a shift: on-topic stories dated in [$1, $2] with their
-- strongest evidence sentence for their own label.
SELECT s.story_id, s.article_id, s.title, s.canonical_url AS url, s.source_id, s.dated_at AS item_at,
       s.label, s.confidence, e.article_sentence, e.reference_sentence, e.similarity
FROM story_framings s
LEFT JOIN evidence e ON e.article_id = s.article_id AND e.classifier_version = s.classifier_version
     AND e.classifier = (SELECT classifier FROM current_classifier) AND e.framing_id = s.label AND e.rank = 1
WHERE s.on_topic AND s.story_date BETWEEN $1 AND $2
ORDER BY s.confidence DESC NULLS LAST, s.dated_at;

-- name: alert_framing_ids
SELECT framing_id FROM framings
UNION SELECT DISTINCT label FROM classifications WHERE label NOT IN ('mixed', 'neither', 'off_topic')
ORDER BY 1;

-- name: alert_source_activity
-- The sources the one health definition (view source_health) calls failing or silent.
SELECT source_id, status, diagnosis, consecutive_failures, failure_threshold, last_success_at, last_error,
       last_item_at, recent_items, median_gap_days, silence_limit_days, silent_days
FROM source_health_at(CAST($1 AS TIMESTAMPTZ)) WHERE status IN ('failing', 'silent') ORDER BY source_id;

-- name: set_health_policy
-- The thresholds of the source_health view (`policy_row` in extractors/feed_health.py).
INSERT OR REPLACE INTO health_policy VALUES (1, $1, $2, $3, $4, $5);

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
SELECT e.title, a.canonical_url, e.source_id, s.name AS source_name, e.article_date, e.label,
       e.article_sentence, e.reference_sentence, e.similarity
FROM article_evidence e
JOIN last ON date_trunc('week', e.dated_at) = last.week
JOIN articles a USING (article_id)
LEFT JOIN sources s ON s.source_id = e.source_id
WHERE e.is_original AND e.rank = 1 AND e.framing_id = e.label
ORDER BY e.similarity DESC
LIMIT $1;

-- name: report_framings
SELECT framing_id, coalesce(name, framing_id) AS name FROM framings ORDER BY framing_id;

-- name: report_meta
-- What the footer says: the period covered, the classifier, the sources.
SELECT (SELECT min(story_date) FROM story_framings) AS first_date,
       (SELECT max(story_date) FROM story_framings) AS last_date,
       (SELECT count(*) FROM story_framings) AS stories,
       (SELECT any_value(classifier || ' ' || classifier_version) FROM current_classifier) AS classifier,
       (SELECT string_agg(coalesce(name, source_id), ', ' ORDER BY coalesce(name, source_id)) FROM sources) AS sources;

-- ---------------------------------------------------------------------------
-- Stories and deduplication (schema 2)

-- name: dedup_candidates
-- Every member of every stored story that a new article might belong to:
-- same normalised-text hash, a shared LSH band, or the same title on the same site.
WITH hit AS (
    SELECT a.story_id FROM articles a JOIN dedup_new n ON a.content_sha256 = n.content_sha256
    UNION
    SELECT a.story_id FROM article_lsh_bands b
        JOIN dedup_bands nb ON b.band_key = nb.band_key
        JOIN articles a ON a.article_id = b.article_id
    UNION
    SELECT a.story_id FROM article_fingerprints f
        JOIN dedup_new n ON f.site = n.site AND f.title_key = n.title_key
        JOIN articles a ON a.article_id = f.article_id
)
SELECT a.article_id, a.canonical_url, a.content_sha256, a.published_at, a.fetched_at, a.story_id, a.title,
       f.site, f.title_key, f.n_shingles, f.minhash, f.method,
       a.text  -- to compute a signature the article lacks (loaded before schema 2, or another method)
FROM articles a LEFT JOIN article_fingerprints f ON f.article_id = a.article_id
WHERE a.story_id IN (SELECT story_id FROM hit);

-- name: insert_fingerprints
INSERT OR IGNORE INTO article_fingerprints BY NAME SELECT * FROM new_fingerprints;

-- name: insert_new_fingerprints
-- Of the batch's new articles (LoadBatch.articles_new; the rest of the batch's go through insert_fingerprints).
INSERT INTO article_fingerprints BY NAME SELECT * FROM new_article_fingerprints;

-- name: insert_new_lsh_bands
-- Of the batch's new articles: the NOT IN below reads every stored band (280,000 at 10,000 articles).
INSERT INTO article_lsh_bands BY NAME SELECT * FROM new_article_lsh_bands;

-- name: insert_lsh_bands
INSERT INTO article_lsh_bands BY NAME
SELECT n.* FROM new_lsh_bands n
WHERE n.article_id NOT IN (SELECT DISTINCT article_id FROM article_lsh_bands);

-- name: repoint_stories
-- A newly found earlier copy becomes the original: existing copies follow it.
UPDATE articles SET story_id = u.story_id, dedup_reason = u.dedup_reason
FROM story_updates u WHERE articles.article_id = u.article_id;

-- Stories are the `stories` view (views.sql): nothing to refresh after a load.

-- ---------------------------------------------------------------------------
-- Reclassify and re-extract (flows/reprocess.py, docs/reprocess.md)

-- name: current_classifier_version
SELECT classifier, classifier_version FROM current_classifier;

-- name: reclassify_status
-- Stored articles, and how many already have a classification by ($1 classifier, $2 version).
SELECT count(*) AS articles, count(c.article_id) AS already_current
FROM articles a
LEFT JOIN classifications c ON c.article_id = a.article_id AND c.classifier = $1 AND c.classifier_version = $2;

-- name: reclassify_next
-- The next batch of articles without a classification by ($1, $2), in
-- article_id order after $3 (keyset paging: a resumed run skips what is done).
SELECT a.article_id, a.title, a.text
FROM articles a
WHERE a.article_id > $3
  AND NOT EXISTS (SELECT 1 FROM classifications c
                  WHERE c.article_id = a.article_id AND c.classifier = $1 AND c.classifier_version = $2)
ORDER BY a.article_id
LIMIT $4;

-- name: reextract_status
-- Stored articles, and how many were extracted by extractor version $1.
SELECT count(*) AS articles, count(*) FILTER (WHERE extractor_version IS NOT DISTINCT FROM $1) AS already_current
FROM articles;

-- name: reextract_next
-- The next batch of articles extracted by another version than $1, after article_id $2.
SELECT article_id, url, raw_sha256, feed_guid, story_id, title, author, published_at, published_source, text
FROM articles
WHERE extractor_version IS DISTINCT FROM $1 AND article_id > $2
ORDER BY article_id
LIMIT $3;

-- name: reextract_articles
-- Keep the extraction being replaced (and the label analysts saw for it),
-- then overwrite it. Identity columns (article_id, canonical_url, url,
-- story_id, fetched_at, run_id) never change: everything else keys on them.
INSERT INTO article_extractions BY NAME
SELECT a.article_id, a.extractor_version, a.title, a.author, a.published_at, a.published_source, a.site_name,
       a.language, a.language_method, a.text, a.word_count, a.content_sha256, a.raw_sha256,
       c.classifier, c.classifier_version, c.label, now() AS replaced_at, u.run_id AS replaced_by_run
FROM article_updates u
JOIN articles a USING (article_id)
LEFT JOIN (SELECT c.* FROM classifications c JOIN current_classifier v USING (classifier, classifier_version)) c
       USING (article_id);
UPDATE articles SET
    title = u.title, author = u.author, published_at = u.published_at, published_source = u.published_source,
    site_name = u.site_name, language = u.language, language_method = u.language_method, text = u.text,
    word_count = u.word_count, content_sha256 = u.content_sha256, extractor_version = u.extractor_version
FROM article_updates u WHERE articles.article_id = u.article_id;

-- name: delete_replaced_classifications
-- A re-extracted text is classified again under the same classifier version:
-- that version's rows for the old text go first (the old label is kept in
-- article_extractions); rows of other versions stay as they were.
DELETE FROM evidence e USING replaced_classifications r
WHERE e.article_id = r.article_id AND e.classifier = r.classifier AND e.classifier_version = r.classifier_version;
DELETE FROM framing_scores s USING replaced_classifications r
WHERE s.article_id = r.article_id AND s.classifier = r.classifier AND s.classifier_version = r.classifier_version;
DELETE FROM classifications c USING replaced_classifications r
WHERE c.article_id = r.article_id AND c.classifier = r.classifier AND c.classifier_version = r.classifier_version;

-- ---------------------------------------------------------------- durable ingest queue (schema 6, flows/ingest_steps.py)

-- name: enqueue_entries
-- New entries from the poll (not loaded, not already queued). An entry queued
-- again over the cap (deferred) becomes ready when a later poll lists it in the cap.
INSERT INTO ingest_queue BY NAME
SELECT q.* FROM new_queue q
WHERE q.canonical_url NOT IN (SELECT canonical_url FROM articles)
ON CONFLICT (canonical_url) DO UPDATE SET deferred = ingest_queue.deferred AND excluded.deferred;

-- name: enqueue_due_retries
-- Entries whose page fetch or extraction failed on an earlier run.
INSERT INTO ingest_queue (canonical_url, url, source_id, feed_guid, feed_title, feed_author, feed_published,
                          queued_at, queued_by_run, deferred)
SELECT canonical_url, url, source_id, feed_guid, feed_title, feed_author, feed_published, now(), $1, false
FROM retry_queue WHERE status = 'pending'
ON CONFLICT (canonical_url) DO NOTHING;

-- name: release_deferred
-- Entries deferred by an earlier run (beyond a feed's cap) are this run's work.
UPDATE ingest_queue SET deferred = false WHERE deferred AND queued_by_run <> $1;

-- name: ready_queue
SELECT canonical_url, url, source_id, feed_guid, feed_title, feed_author, feed_published, date_note
FROM ingest_queue WHERE NOT deferred ORDER BY queued_at, canonical_url;

-- name: delete_queued
DELETE FROM ingest_queue WHERE canonical_url IN (SELECT canonical_url FROM done_queue);

-- name: mark_interrupted_runs
-- Runs still 'running' while we hold the run lock died without finishing.
UPDATE runs SET status = 'interrupted', finished_at = coalesce(finished_at, now()),
       message = coalesce(message || '; ', '') || 'interrupted: its process ended mid-run; resumed by run ' || $1
WHERE status = 'running' RETURNING run_id;

-- name: insert_entry_notes
INSERT INTO entry_notes BY NAME SELECT * FROM new_entry_notes;

-- name: queued_urls
-- Every URL waiting in the ingest queue (deferred or not).
SELECT canonical_url FROM ingest_queue;

-- name: queue_carried_over
-- This run's work from before it: failed entries due again, and entries an
-- earlier (interrupted) run or an earlier cap left in the queue.
SELECT (SELECT count(*) FROM retry_queue WHERE status = 'pending') AS retries_due,
       (SELECT count(*) FROM ingest_queue q WHERE NOT q.deferred AND q.queued_by_run <> $1
          AND q.canonical_url NOT IN (SELECT canonical_url FROM retry_queue WHERE status = 'pending')) AS entries_resumed;
