-- Schema version 4: the status bar's counts read little. The overdue count
-- reads an index alone: is_open is a virtual column, which SQLite reads
-- from each table row even where a partial index implies it (at 100 000
-- documents, a third of the database for one number), so the count names
-- the open states instead.
CREATE INDEX documents_by_state_deadline ON documents (state, deadline) WHERE deadline <> '';

-- The outbox's rows per state, kept by triggers as folder_counts keeps the
-- folders': the status bar's backlog is two lookups, not a count over an
-- index that grows with every packet ever sent.
CREATE TABLE outbox_counts (
    state TEXT    PRIMARY KEY,
    n     INTEGER NOT NULL DEFAULT 0
) STRICT, WITHOUT ROWID;
INSERT INTO outbox_counts (state, n)
SELECT s.state, (SELECT count(*) FROM outbox WHERE outbox.state = s.state)
FROM (SELECT 'pending' AS state UNION ALL SELECT 'sent' UNION ALL SELECT 'failed') s;
CREATE TRIGGER outbox_count_insert AFTER INSERT ON outbox BEGIN
    UPDATE outbox_counts SET n = n + 1 WHERE state = NEW.state;
END;
CREATE TRIGGER outbox_count_update AFTER UPDATE OF state ON outbox WHEN OLD.state <> NEW.state BEGIN
    UPDATE outbox_counts SET n = n - 1 WHERE state = OLD.state;
    UPDATE outbox_counts SET n = n + 1 WHERE state = NEW.state;
END;
CREATE TRIGGER outbox_count_delete AFTER DELETE ON outbox BEGIN
    UPDATE outbox_counts SET n = n - 1 WHERE state = OLD.state;
END;
