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
