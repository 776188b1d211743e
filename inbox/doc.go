// Package inbox is the local store of one desk: documents and their
// metadata, content-addressed attachment blobs, the Decree 30 workflow,
// numbering registers, full-text search and a hash-chained audit log.
// It never imports the GUI toolkit.
//
// # Layout
//
// A store lives in one directory: inbox.db (SQLite in WAL mode, with its
// -wal and -shm files) and blobs/ab/abcdef… (attachment files named by
// their SHA-256). The schema is the embedded migrations/NNNN_*.sql, applied
// one transaction per version (a version may add a Go step, such as
// rebuilding the search index); a database newer than the code is refused
// with ErrNewerDatabase.
//
// # Connections and durability
//
// All writes go through one connection, one transaction at a time
// (BEGIN IMMEDIATE); reads use a pool of read-only connections that see the
// last commit and never wait for the writer. The writer runs with
// synchronous=FULL: every commit carries an audit entry and most are
// promises made to someone else (a packet acknowledged to the axis, a
// status queued for a sender, a register number given out), so a commit
// must survive a power cut. In WAL mode that is one fsync per commit.
//
// # Workflow
//
// Each workflow method is one transaction: the legal-state check
// (ErrIllegalTransition, naming the action and the state, changes nothing),
// the update, the audit entry and, where Decree 30 wants the sender told, an
// outbox row holding the status packet built by Options.EncodeStatus. See
// ruleFor for the table, and Allowed for the GUI's buttons. Numbers are
// taken from a register inside the transaction that uses them (Register,
// Issue), so a failed transaction uses none and numbering is gap-free.
//
// # Search
//
// Text is folded in Go (NFD, combining marks dropped, đ → d, lower case)
// before it reaches SQLite's FTS5 index, and queries are folded the same
// way; see Search for how matches are ranked.
package inbox
