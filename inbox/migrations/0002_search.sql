-- Schema version 2: full-text search. The index holds text folded in Go
-- (NFD, combining marks dropped, đ → d, lower case), so it is contentless:
-- the originals stay in documents and attachments. Rows are keyed by the
-- document id. Ranking is done in Go (see Search), so the index keeps no
-- word positions (detail = column): it is half the size and much faster to
-- scan. Prefix indexes make a half-typed last word cheap.
-- The Go step of this migration indexes existing documents.
CREATE VIRTUAL TABLE doc_fts USING fts5 (
    subject, content, code, orgs, signer, attachments,
    content = '',
    contentless_delete = 1,
    tokenize = 'unicode61 remove_diacritics 0',
    detail = column,
    prefix = '2 3'
);

-- The ranked fields of each document, folded, separated by U+001F (subject,
-- number/notation, content, sender, signer): Search ranks its candidates
-- with them without folding at query time.
CREATE TABLE search_fields (
    document INTEGER PRIMARY KEY REFERENCES documents (id),
    fields   TEXT    NOT NULL
) STRICT;
