package hub

import (
	"context"
	"errors"
	"io"
	"time"
)

// Store keeps everything the hub must not forget across a restart: the
// agency registry, the systems, the packets with their per-recipient
// deliveries, and the replay memory. One implementation exists (SQLite,
// OpenSQLite); a PostgreSQL one will pass the same suite
// (storetest.RunStoreSuite).
//
// Times are stored with millisecond precision. Every method is safe for
// concurrent use.
type Store interface {
	// Ping checks that the store answers.
	Ping(ctx context.Context) error

	// PutAgency inserts or updates the agency with a.Code, keeping its
	// ID and creation time, and returns the stored record.
	PutAgency(ctx context.Context, a Agency) (Agency, error)
	// DeleteAgency removes an agency (ErrNotFound when absent). Deliveries
	// already queued for it stay.
	DeleteAgency(ctx context.Context, code string) error
	// Agency returns one agency (ErrNotFound when absent).
	Agency(ctx context.Context, code string) (Agency, error)
	// Agencies returns every agency ordered by code.
	Agencies(ctx context.Context) ([]Agency, error)

	// PutSystem inserts or replaces a system.
	PutSystem(ctx context.Context, s SystemRecord) error
	// DeleteSystem removes a system (ErrNotFound when absent).
	DeleteSystem(ctx context.Context, id string) error
	// Systems returns every system ordered by id.
	Systems(ctx context.Context) ([]SystemRecord, error)

	// RememberRequest records that a system used a request id, which may
	// not be used again before until; ErrReplay when it was used already
	// and has not been forgotten.
	RememberRequest(ctx context.Context, systemID, requestID string, until time.Time) error
	// ForgetRequests drops request ids whose until is before t and
	// returns how many it dropped.
	ForgetRequests(ctx context.Context, t time.Time) (int64, error)

	// AddPacket stores a packet, its body (p.Size bytes read from body)
	// and one delivery per recipient in one transaction: either all of it
	// is stored or nothing is. The packet's request id (see Request) is
	// remembered with it. Each delivery's DocID and To must be set;
	// its PacketID, status and times are filled in. A status packet
	// (p.ResponseFor set) also records its StatusCode as the business
	// status of the deliveries it answers: those of edoc packets with
	// DocumentID p.ResponseFor sent from an agency among the status
	// packet's recipients to p.From's agency.
	AddPacket(ctx context.Context, req Request, p Packet, body io.Reader, to []Delivery) error
	// OpenBody streams a packet's body (ErrNotFound when absent).
	OpenBody(ctx context.Context, packetID string) (io.ReadCloser, error)
	// Entry returns one delivery with its packet (ErrNotFound when absent).
	Entry(ctx context.Context, docID string) (Entry, error)
	// Received lists the deliveries to any of the addresses with the
	// message type that are not done, oldest first, at most limit.
	Received(ctx context.Context, to []string, messageType string, limit int) ([]Entry, error)
	// CountPending counts what Received would list without a limit.
	CountPending(ctx context.Context, to []string, messageType string) (int, error)
	// QueueStamp returns a number that grows whenever a delivery to one of
	// the addresses with the message type is added or has its status set,
	// whichever process sets it, and is cheap to read: a Received answer
	// read after a stamp was read holds every change the stamp counts, so
	// the server may answer lists from its cache while the stamp has not
	// grown past the cached answer's.
	QueueStamp(ctx context.Context, to []string, messageType string) (uint64, error)
	// MarkFetched records the first time a delivery was asked for, with
	// the request's id (see Request).
	MarkFetched(ctx context.Context, req Request, docID string, at time.Time) error
	// SetStatus sets a delivery's transport status, with the request's id
	// (see Request). Done is final: done again is a no-op, anything else
	// after done is ErrFinal.
	SetStatus(ctx context.Context, req Request, docID, status, desc string, at time.Time) error
	// Sent lists the deliveries of packets sent from any of the addresses,
	// newest packet first, at most limit; packetID and messageType narrow
	// it when not empty.
	Sent(ctx context.Context, from []string, packetID, messageType string, limit int) ([]Entry, error)
	// QueueDepth counts the deliveries not yet done, by message type.
	QueueDepth(ctx context.Context) (map[string]int, error)
	// Counts counts the rows of each kind (tests and metrics).
	Counts(ctx context.Context) (Counts, error)

	// Close releases the store.
	Close() error
}

// Request is the id of the request a write serves, remembered as
// RememberRequest does: the write fails with ErrReplay, having changed
// nothing, when the id was used already, and the id is recorded no later
// than the write's changes (SQLite commits both together), so that a
// request that did something cannot be replayed. Whether the id of a
// write that failed for another reason stays recorded is up to the store.
// The zero Request remembers nothing.
type Request struct {
	SystemID, ID string
	// Until is when the id may be forgotten.
	Until time.Time
}

// Errors of the store.
var (
	ErrNotFound = errors.New("hub: not found")
	ErrReplay   = errors.New("hub: request id already used")
	ErrFinal    = errors.New("hub: the delivery is done already")
	ErrExists   = errors.New("hub: already exists")
)

// Transport statuses of a delivery (AXIS.md §2 updateStatus). A delivery
// is pending until its recipient says done.
const (
	StatusPending    = "pending"
	StatusProcessing = "processing"
	StatusDone       = "done"
	StatusFail       = "fail"
)

// Message types.
const (
	MessageEdoc   = "edoc"
	MessageStatus = "status"
)

// Agency is an organisation on the axis, addressed by its QCVN 102 code.
type Agency struct {
	ID       int64
	Code     string
	OldCode  string
	Name     string
	Mail     string
	ParentID string
	// Owner is the system that registered the agency through the API, or
	// empty for agencies of the systems file.
	Owner   string
	Created time.Time
	Updated time.Time
}

// SystemRecord is a system as the store keeps it: never its plain secret.
type SystemRecord struct {
	ID        string
	Agency    string
	Name      string
	Mailboxes []string
	// SealedSecret is the secret encrypted under the server key (see
	// sealSecret), or nil when the server keeps secrets in memory only.
	SealedSecret []byte
	Updated      time.Time
}

// Packet is one uploaded edXML file.
type Packet struct {
	// ID is the sender's axis id (senderDocId), returned by sendEdoc.
	ID           string
	SenderSystem string
	// From is the sending address: an agency code or agency/mailbox.
	From        string
	ServiceType string
	MessageType string
	SHA256      string
	Size        int64
	// DocumentID, Subject and Notation come from the edXML MessageHeader
	// (Notation is "CodeNumber/CodeNotation").
	DocumentID string
	Subject    string
	Notation   string
	// StatusCode and ResponseFor are set for status packets: the business
	// status (01…16) and the DocumentId it answers.
	StatusCode  string
	StatusDesc  string
	ResponseFor string
	Created     time.Time
}

// Delivery is one recipient's copy of a packet: its own axis docId, its
// own queue, its own transport status.
type Delivery struct {
	DocID    string
	PacketID string
	// To is the recipient address: an agency code or agency/mailbox.
	To         string
	Status     string
	StatusDesc string
	Created    time.Time
	Updated    time.Time
	// Fetched is when the recipient first asked for it (zero if never).
	Fetched time.Time
	// Business* hold the last status packet the recipient sent about it.
	BusinessStatus string
	BusinessDesc   string
	BusinessTime   time.Time
}

// Entry is a delivery with its packet.
type Entry struct {
	Packet   Packet
	Delivery Delivery
}

// Counts are the number of rows of each kind.
type Counts struct {
	Agencies, Systems, Packets, Deliveries, Requests int
}
