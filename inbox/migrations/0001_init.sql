-- Vanthu inbox, schema version 1: documents, registers, attachments,
-- recipients and their statuses, assignments, comments, the audit chain and
-- the outbox. Times are Unix milliseconds (UTC); calendar dates are TEXT
-- 'YYYY-MM-DD' in Vietnam time, empty when unknown.

CREATE TABLE registers (
    id          INTEGER PRIMARY KEY,
    name        TEXT    NOT NULL CHECK (name <> ''),
    kind        TEXT    NOT NULL CHECK (kind IN ('incoming', 'outgoing')),
    year        INTEGER NOT NULL CHECK (year BETWEEN 1900 AND 9999),
    last_number INTEGER NOT NULL DEFAULT 0 CHECK (last_number >= 0),
    created_at  INTEGER NOT NULL,
    UNIQUE (kind, name, year)
) STRICT;

CREATE TABLE documents (
    id                   INTEGER PRIMARY KEY,
    direction            TEXT    NOT NULL CHECK (direction IN ('incoming', 'outgoing', 'internal')),
    state                TEXT    NOT NULL,
    folder               TEXT    NOT NULL,
    document_id          TEXT    NOT NULL DEFAULT '',
    sender_code          TEXT    NOT NULL DEFAULT '',
    sender_name          TEXT    NOT NULL DEFAULT '',
    code_number          TEXT    NOT NULL DEFAULT '',
    code_notation        TEXT    NOT NULL DEFAULT '',
    promulgation_place   TEXT    NOT NULL DEFAULT '',
    promulgation_date    TEXT    NOT NULL DEFAULT '',
    type_code            TEXT    NOT NULL DEFAULT '',
    type_name            TEXT    NOT NULL DEFAULT '',
    subject              TEXT    NOT NULL DEFAULT '',
    content              TEXT    NOT NULL DEFAULT '',
    signer_competence    TEXT    NOT NULL DEFAULT '',
    signer_position      TEXT    NOT NULL DEFAULT '',
    signer_name          TEXT    NOT NULL DEFAULT '',
    due_date             TEXT    NOT NULL DEFAULT '',
    deadline             TEXT    NOT NULL DEFAULT '',
    priority             INTEGER NOT NULL DEFAULT 0 CHECK (priority BETWEEN 0 AND 4),
    sphere               TEXT    NOT NULL DEFAULT '',
    typer_notation       TEXT    NOT NULL DEFAULT '',
    promulgation_amount  INTEGER NOT NULL DEFAULT 0,
    page_amount          INTEGER NOT NULL DEFAULT 0,
    steering_type        TEXT    NOT NULL DEFAULT '',
    response_organ       TEXT    NOT NULL DEFAULT '',
    response_code        TEXT    NOT NULL DEFAULT '',
    response_date        TEXT    NOT NULL DEFAULT '',
    response_document_id TEXT    NOT NULL DEFAULT '',
    register_id          INTEGER REFERENCES registers (id),
    reg_number           INTEGER,
    registered_at        INTEGER,
    read                 INTEGER NOT NULL DEFAULT 0 CHECK (read IN (0, 1)),
    hidden               INTEGER NOT NULL DEFAULT 0 CHECK (hidden IN (0, 1)),
    frozen               INTEGER NOT NULL DEFAULT 0 CHECK (frozen IN (0, 1)),
    state_before_recall  TEXT    NOT NULL DEFAULT '',
    recall_reason        TEXT    NOT NULL DEFAULT '',
    sort_at              INTEGER NOT NULL,
    created_at           INTEGER NOT NULL,
    updated_at           INTEGER NOT NULL,
    -- Big values last: reading the columns before them never walks their
    -- overflow pages.
    header               BLOB,
    -- Work on the document is unfinished (Go: State.open), so a passed
    -- deadline makes it overdue.
    is_open              INTEGER GENERATED ALWAYS AS (state IN ('arrived', 'registered', 'assigned',
                             'processing', 'recall_requested', 'draft', 'submitted', 'returned', 'approved')) VIRTUAL,
    CHECK ((register_id IS NULL) = (reg_number IS NULL)),
    CHECK (direction <> 'incoming' OR (document_id <> '' AND sender_code <> ''))
) STRICT;

-- One copy per sender and DocumentId (AXIS.md §3: duplicates are recognised).
CREATE UNIQUE INDEX documents_incoming_key ON documents (sender_code, document_id)
    WHERE direction = 'incoming';
-- Our own DocumentId correlates the statuses recipients send back.
CREATE UNIQUE INDEX documents_own_key ON documents (document_id)
    WHERE direction <> 'incoming' AND document_id <> '';
-- Gap-free numbering: one document per number and register.
CREATE UNIQUE INDEX documents_register_number ON documents (register_id, reg_number)
    WHERE register_id IS NOT NULL;
-- Lists: keyset pagination by (sort_at, id), newest first.
CREATE INDEX documents_by_date ON documents (sort_at DESC, id DESC);
CREATE INDEX documents_by_folder ON documents (folder, sort_at DESC, id DESC);
CREATE INDEX documents_by_sender ON documents (sender_code, sort_at DESC, id DESC);
CREATE INDEX documents_open ON documents (sort_at DESC, id DESC) WHERE is_open = 1;
CREATE INDEX documents_open_deadline ON documents (deadline) WHERE is_open = 1 AND deadline <> '';
CREATE INDEX documents_unread ON documents (sort_at DESC, id DESC) WHERE read = 0;

-- The side bar's numbers, kept by triggers so that Counts reads a few rows
-- instead of counting 100 000 (Check compares them with a real count).
CREATE TABLE folder_counts (
    folder TEXT    PRIMARY KEY,
    total  INTEGER NOT NULL DEFAULT 0,
    unread INTEGER NOT NULL DEFAULT 0
) STRICT, WITHOUT ROWID;

INSERT INTO folder_counts (folder) VALUES ('to_register'), ('to_process'), ('recall'), ('archive'),
    ('drafts'), ('outgoing'), ('sent'), ('hidden');

CREATE TRIGGER documents_count_insert AFTER INSERT ON documents BEGIN
    UPDATE folder_counts SET total = total + 1, unread = unread + (NEW.read = 0) WHERE folder = NEW.folder;
END;

CREATE TRIGGER documents_count_update AFTER UPDATE OF folder, read ON documents
WHEN OLD.folder <> NEW.folder OR OLD.read <> NEW.read BEGIN
    UPDATE folder_counts SET total = total - 1, unread = unread - (OLD.read = 0) WHERE folder = OLD.folder;
    UPDATE folder_counts SET total = total + 1, unread = unread + (NEW.read = 0) WHERE folder = NEW.folder;
END;

CREATE TRIGGER documents_count_delete AFTER DELETE ON documents BEGIN
    UPDATE folder_counts SET total = total - 1, unread = unread - (OLD.read = 0) WHERE folder = OLD.folder;
END;

CREATE TABLE recipients (
    id               INTEGER PRIMARY KEY,
    document         INTEGER NOT NULL REFERENCES documents (id),
    position         INTEGER NOT NULL,
    organ_code       TEXT    NOT NULL CHECK (organ_code <> ''),
    organ_name       TEXT    NOT NULL DEFAULT '',
    last_code        TEXT    NOT NULL DEFAULT '',
    last_at          INTEGER,
    last_description TEXT    NOT NULL DEFAULT '',
    UNIQUE (document, organ_code)
) STRICT;

CREATE TABLE recipient_statuses (
    id          INTEGER PRIMARY KEY,
    recipient   INTEGER NOT NULL REFERENCES recipients (id),
    code        TEXT    NOT NULL,
    at          INTEGER NOT NULL,
    description TEXT    NOT NULL DEFAULT '',
    staff       TEXT    NOT NULL DEFAULT '',
    department  TEXT    NOT NULL DEFAULT '',
    recorded_at INTEGER NOT NULL,
    UNIQUE (recipient, code, at)
) STRICT;

CREATE TABLE attachments (
    id            INTEGER PRIMARY KEY,
    document      INTEGER NOT NULL REFERENCES documents (id),
    position      INTEGER NOT NULL,
    stage         TEXT    NOT NULL CHECK (stage IN ('received', 'draft', 'approved', 'issued')),
    superseded_at INTEGER,
    name          TEXT    NOT NULL,
    content_type  TEXT    NOT NULL DEFAULT '',
    description   TEXT    NOT NULL DEFAULT '',
    content_id    TEXT    NOT NULL DEFAULT '',
    sha256        TEXT    NOT NULL CHECK (length(sha256) = 64),
    size          INTEGER NOT NULL CHECK (size >= 0),
    verdict       TEXT    NOT NULL DEFAULT '',
    verification  TEXT,
    created_at    INTEGER NOT NULL,
    text          TEXT    NOT NULL DEFAULT ''
) STRICT;

CREATE INDEX attachments_by_document ON attachments (document, position);
CREATE INDEX attachments_by_sha ON attachments (sha256);
CREATE INDEX attachments_by_verdict ON attachments (verdict) WHERE verdict <> '';

CREATE TABLE assignments (
    id       INTEGER PRIMARY KEY,
    document INTEGER NOT NULL REFERENCES documents (id),
    assignee TEXT    NOT NULL CHECK (assignee <> ''),
    role     TEXT    NOT NULL CHECK (role IN ('lead', 'coordinating')),
    deadline TEXT    NOT NULL DEFAULT '',
    note     TEXT    NOT NULL DEFAULT '',
    by       TEXT    NOT NULL,
    at       INTEGER NOT NULL
) STRICT;

CREATE INDEX assignments_by_document ON assignments (document);

CREATE TABLE comments (
    id       INTEGER PRIMARY KEY,
    document INTEGER NOT NULL REFERENCES documents (id),
    author   TEXT    NOT NULL,
    text     TEXT    NOT NULL,
    at       INTEGER NOT NULL
) STRICT;

CREATE INDEX comments_by_document ON comments (document);

-- The audit chain. document is deliberately not a foreign key: the log
-- outlives anything it talks about.
CREATE TABLE audit (
    seq       INTEGER PRIMARY KEY,
    at        INTEGER NOT NULL,
    actor     TEXT    NOT NULL,
    action    TEXT    NOT NULL,
    document  INTEGER,
    detail    TEXT    NOT NULL,
    prev_hash TEXT    NOT NULL,
    hash      TEXT    NOT NULL
) STRICT;

CREATE INDEX audit_by_document ON audit (document, seq) WHERE document IS NOT NULL;

-- The head of the chain, updated in the same transaction as each entry, so
-- that removing the newest entries is detected too.
CREATE TABLE audit_head (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    seq  INTEGER NOT NULL,
    hash TEXT    NOT NULL
) STRICT;

INSERT INTO audit_head (id, seq, hash)
VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

CREATE TABLE outbox (
    id              INTEGER PRIMARY KEY,
    kind            TEXT    NOT NULL CHECK (kind IN ('status', 'edoc')),
    document        INTEGER REFERENCES documents (id),
    document_id     TEXT    NOT NULL,
    status_code     TEXT    NOT NULL DEFAULT '',
    recipients      TEXT    NOT NULL,
    payload         BLOB,
    payload_sha256  TEXT,
    created_at      INTEGER NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    axis_doc_id     TEXT    NOT NULL DEFAULT '',
    state           TEXT    NOT NULL CHECK (state IN ('pending', 'sent', 'failed')),
    last_error      TEXT    NOT NULL DEFAULT '',
    sent_at         INTEGER
) STRICT;

CREATE INDEX outbox_by_state ON outbox (state, next_attempt_at, id);
CREATE INDEX outbox_by_document ON outbox (document);
CREATE INDEX outbox_by_payload ON outbox (payload_sha256) WHERE payload_sha256 IS NOT NULL;
