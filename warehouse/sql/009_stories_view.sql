-- Schema version 9: `stories` becomes a view (warehouse/sql/views.sql).
--
-- The table dated a story by min(published_at), NULL when no copy had a date,
-- while story_framings used min(coalesce(published_at, fetched_at)): the trend
-- queries and the share views could count different stories. A story is now
-- defined once, from articles.story_id, by the `stories` view, and
-- story_framings reads its dates and copy counts from it. Nothing is lost:
-- every column of the table is derived from articles.
DROP TABLE IF EXISTS stories;
