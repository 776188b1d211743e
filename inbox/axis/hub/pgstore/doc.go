// Package pgstore keeps the reference axis server's queues in PostgreSQL so
// that several axisd instances behind a load balancer can serve one
// province (AXIS.md §4). Store implements hub.Store and passes
// storetest.RunStoreSuite.
//
// # Several instances
//
// Instances share nothing but the database: the store holds no cache and
// no in-process state. What must hold across instances is a constraint or
// a single statement in the database:
//
//   - the replay memory: the primary key (system_id, request_id) of
//     requests; RememberRequest is one INSERT … ON CONFLICT DO NOTHING
//     (for the ids arriving together, a batch at a time), so of two
//     instances seeing the same request id exactly one accepts it;
//   - packets and deliveries: unique id and doc_id; AddPacket is one
//     transaction (packet, body chunks, deliveries, business status);
//   - a delivery's status: SetStatus locks the row (SELECT … FOR UPDATE)
//     and updates it in one statement, so "done is final" holds when two
//     instances acknowledge the same docId at once; MarkFetched is one
//     UPDATE keeping the first time;
//   - agencies and systems: INSERT … ON CONFLICT DO UPDATE;
//   - the business status a status packet records is written after
//     locking the deliveries it answers in primary-key order, so two such
//     transactions cannot deadlock;
//   - the queue stamps (hub.Store.QueueStamp) a server's list cache is
//     checked against: a counter row per queue, raised in the transaction
//     of every new delivery and every status set, so a stamp read by any
//     instance counts every change committed before it; AddPacket raises
//     its rows last and in a fixed order (short row locks, no deadlock);
//   - the pruning of expired request ids claims its rows with
//     FOR UPDATE SKIP LOCKED: instances pruning at the same moment share
//     the work instead of waiting for each other;
//   - migrations run in one transaction under an advisory lock: instances
//     starting together apply them once.
//
// Transactions run at READ COMMITTED, PostgreSQL's default: every
// cross-instance rule above rests on a constraint or a row lock, which
// hold at that level, and no operation reads rows to decide what to write
// elsewhere (the one that does, the business status, locks them).
//
// What a hub.Server keeps in memory is not the store's: the systems
// (from the systems file or loaded at start-up) and the per-instance rate
// limiter, whose limit each instance applies on its own.
//
// # Schema
//
// Embedded migrations (migrations/*.sql), recorded in
// axis_schema_versions. Tables: agencies, systems (sealed secrets only),
// requests, packets, packet_chunks (bodies in 256 KiB bytea chunks, read
// one query per chunk so no transaction stays open while a client reads
// slowly), deliveries (one per recipient, with a partial index on the
// pending ones), queue_versions (the counters of the queue stamps). Times
// are timestamptz at millisecond precision. The tables are created
// unqualified: give axisd a database of its own, or a schema through the
// DSN's search_path.
//
// # Tests
//
// The tests run against a real PostgreSQL server started by package
// pgtest (the Debian package postgresql must be installed).
package pgstore
