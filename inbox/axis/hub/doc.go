// Package hub is Vanthu's reference axis: a stand-in for the national
// document axis (AXIS.md §2 and §4) for demos, development, tests and small
// deployments. cmd/axisd serves it; tests and the demo embed it.
//
// # Calls
//
// Server is an http.Handler serving /{call} for the calls of AXIS.md §2,
// authenticated with the XroadVnpt HMAC headers (axis.Verify, a 5-minute
// window) and answered with the JSON envelope, plus /healthz and
// Prometheus-format /metrics:
//
//	getReceivedEdocList  POST  servicetype, messagetype (default edoc)   data: []axis.ReceivedItem, not yet done, oldest first
//	getEdoc              POST  docId                                     data: the packet in base64 (streamed)
//	downloadEdoc         GET   docId                                     the raw packet (streamed; Repr-Digest)
//	sendEdoc             POST  from, to?, servicetype, messagetype,      DocId: the packet's id (senderDocId);
//	                           hash-file; multipart part file_doc         data: [{toCode, docId}] one per recipient
//	updateStatus         POST  docId, status (done|fail|processing),     a delivery is pending until done;
//	                           reason?                                    done is final
//	getSentEdocList      POST  messagetype?, docId? (senderDocId)        data: one row per recipient (axis.SentItem and
//	                                                                      documentId, updatedTime, businessStatus…)
//	countReceiveEdoc     GET                                             count of edoc not yet done
//	countReceiveStatus   GET                                             count of status not yet done
//	getAgenciesList      POST                                            data: []axis.Agency with mailboxes
//	registerAgency       POST  body: axis.Agency JSON (hash-file?)       data: the stored agency
//	deleteAgency         POST  AgencyCode                                status only
//
// Each recipient of a packet gets its own delivery with its own docId and
// queue; status packets are routed like documents (by the to header, or
// else by the packet: a document's To elements, a status's ResponseFor
// organisation). An address is an agency code or a personal mailbox under
// it (000.00.00.H41/lanhdao). A system sends as its agency or one of its
// mailboxes and receives for all of them. A status packet also records its
// code as the business status of the deliveries it answers, shown in the
// sender's sent list.
//
// # Checks
//
// Nothing is stored for a refused request. In order: the injected faults
// (if any), the method (405), the body size (413), the HMAC, the timestamp
// window and the signed headers (401; XroadVnpt- parameters sent unsigned
// and a Content-Type differing from the signed one are refused), the
// system's rate (429), the request id (each (system, request id) once,
// remembered in the store until the request's timestamp leaves the window;
// 401 AUTH_REPLAY), then the call's own checks. The calls a sync makes per
// packet (sendEdoc, downloadEdoc, getEdoc, updateStatus) remember their id
// in the transaction of their own write, which comes before they answer
// anything or change anything else: a replay of one is refused after its
// checks and before its effect (a download's fetched mark precedes the
// packet's bytes). sendEdoc checks its headers
// (sender, recipients, hash-file) before reading the upload, streams the
// upload to a temporary file while hashing it, compares the hash, and
// validates the packet with the edxml codec (a document refused only for
// its attachments is carried: the axis routes packets, it does not open
// them). Errors use the stable codes of package axis plus FORBIDDEN (403)
// and METHOD_NOT_ALLOWED (405).
//
// # Store
//
// Store holds agencies, systems (never a plain secret, see System),
// packets (bodies in 256 KiB chunks), deliveries and the replay memory.
// OpenSQLite is the one implementation: WAL, one writer connection, a pool
// of query-only readers, embedded migrations (sqlite/*.sql) versioned by
// PRAGMA user_version. storetest.RunStoreSuite is the suite every
// implementation passes; a PostgreSQL store is pending its driver.
//
// # Uncertain choices
//
// What the field leaves open is decided in one place each: list times and
// statuses in calls.go; the edXML reading in packet.go and inspect.go; the
// address shapes in address.go.
package hub
