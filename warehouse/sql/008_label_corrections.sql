-- Schema version 8: analysts' label corrections (the explorer, `framewatch ui`).
--
-- One row per correction, ever: an analyst says "this story's label is
-- wrong, it is X". A later correction of the same article supersedes an
-- earlier one (the newest corrected_at wins); nothing is updated in place.
-- correction_id is made when the analyst submits it, so writing the same
-- correction twice (a retried merge, see warehouse/corrections.py) is a no-op.
-- The daily run never writes this table, so a run cannot lose a correction.

CREATE TABLE label_corrections (
    correction_id      VARCHAR PRIMARY KEY,   -- uuid4 hex, made at submission
    article_id         VARCHAR NOT NULL,      -- the story's representative article (story_framings.article_id)
    story_id           VARCHAR,
    url                VARCHAR,               -- canonical URL of that article
    original_label     VARCHAR,               -- the classifier's label the analyst saw
    classifier         VARCHAR,
    classifier_version VARCHAR,
    label              VARCHAR NOT NULL,      -- the corrected label: a framing id, mixed, neither or off_topic
    note               VARCHAR,
    corrected_by       VARCHAR NOT NULL,
    corrected_at       TIMESTAMPTZ NOT NULL,
    merged_at          TIMESTAMPTZ            -- when it reached the warehouse from the pending store
);

COMMENT ON TABLE label_corrections IS 'Analysts'' corrections of story labels (framewatch ui); the newest per article wins.';
