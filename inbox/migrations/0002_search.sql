-- Schema version 2: full-text search. The index holds text folded in Go
-- (NFD, combining marks dropped, đ → d, lower case), so it is contentless:
-- the originals stay in documents and attachments. Rows are keyed by the
-- document id. Prefix indexes make a half-typed last word cheap (about
-- twice the index size). detail = column would halve the index again, but
-- bm25 then ranks every row 0, so full detail stays.
-- The Go step of this migration indexes existing documents.
CREATE VIRTUAL TABLE doc_fts USING fts5 (
    subject, content, code, orgs, signer, attachments,
    content = '',
    contentless_delete = 1,
    tokenize = 'unicode61 remove_diacritics 0',
    prefix = '2 3'
);
