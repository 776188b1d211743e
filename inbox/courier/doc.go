// Package courier is the sync engine: it moves packets between the document
// axis and a desk's store (ARCHITECTURE.md, "Data flow"; AXIS.md §3).
//
// One pass (Engine.Once) sends the outbox, receives documents, receives
// status messages, sends what receiving queued (status 01 to each sender)
// and, once a day, refreshes the agency directory. Engine.Run repeats
// passes until its context ends.
//
// # Receiving
//
// The waiting packets are listed (getReceivedEdocList), downloaded by a few
// workers to spool files (downloadEdoc, or getEdoc from an axis without
// it), imported through inbox.Importer in batches (one transaction each)
// and only then acknowledged: done when stored, or when recognised as a
// packet stored before (same axis docId, or same sender and DocumentId);
// fail, with the reason, when the packet itself is bad (edxml.ErrBadPacket,
// invalid content, a status about a document this desk does not have). A
// failed packet is kept in DATA/quarantine with its reason for a person to
// look at, and is not taken again. Anything else (network, the axis
// answering 5xx or refusing our credentials, the store busy) leaves the
// packet on the axis for the next pass. A recall request (status 13) that
// arrives before its document waits for it (Options.OrphanAfter); a recall
// request seen before is acknowledged without being recorded twice.
//
// # Sending
//
// Each pending outbox row is sent (sendEdoc) until the axis gives it a
// DocId: status rows carry their packet, document rows are encoded from
// the store to a spool file. A refusal that will not change (an unknown
// recipient, a packet the axis rejects) marks the row failed with the
// reason; a passing one schedules a retry with exponential backoff and
// jitter. A crash between a send and its record sends the packet again on
// restart: the recipient recognises the copy by its DocumentId and stores
// it once. (The axis lists what a system sent only by the axis's DocId,
// which such a crash loses, so the engine cannot ask it first.)
//
// # Offline
//
// When the axis cannot be reached the pass stops, Status reports offline,
// the outbox keeps its rows and the attempts they had, and Run tries again
// sooner than its interval until the axis answers; everything else works
// on the store alone.
package courier
