package edxml

import (
	"context"
	"io"
)

// Namespace is the namespace of every edXML element (QCVN 102:2016).
const Namespace = "http://www.mic.gov.vn/TBT/QCVN_102_2016"

// Kind tells a document packet from a status packet.
type Kind uint8

// The kinds of packet.
const (
	KindEdoc Kind = iota + 1
	KindStatus
)

func (k Kind) String() string {
	switch k {
	case KindEdoc:
		return "edoc"
	case KindStatus:
		return "status"
	}
	return "unknown"
}

// Edoc is a document packet: the document's metadata, its trace, an
// optional XML signature, the manifest and the attachments. The attachment
// bytes are not held here: the decoder hands them to a Sink and the
// encoder reads them from a Source.
type Edoc struct {
	Header MessageHeader
	Trace  TraceHeaderList
	// Signature is the Signature element of edXMLHeader as raw XML, ""
	// when absent. It is written back unchanged unless the encoder signs.
	Signature string
	// HeaderExtra keeps unknown elements of edXMLHeader (such as the
	// DigitalSignature some producers add).
	HeaderExtra Extra
	Manifest    Manifest
	Attachments []Attachment
}

// MessageHeader is the document's metadata (AXIS.md §1).
type MessageHeader struct {
	From       Organization
	To         []Organization
	DocumentID string // "{issuer OrganId},{yyyy/MM/dd},{number}/{notation}"; see ParseDocumentID
	Code       Code
	// PromulgationInfo is where and when the document was issued.
	PromulgationInfo PromulgationInfo
	DocumentType     DocumentType
	Subject          string // trích yếu
	Content          string
	SignerInfo       SignerInfo
	DueDate          Date
	OtherInfo        OtherInfo
	// SteeringType is kept as sent: its meaning is uncertain.
	SteeringType string
	ToPlaces     ToPlaces
	ResponseFor  []ResponseFor
	Extra        Extra
}

// Organization is a sender or recipient.
type Organization struct {
	OrganID              string // e.g. 000.00.00.G22; see ValidateOrganID
	OrganizationInCharge string
	OrganName            string
	OrganAdd             string
	Email                string
	Telephone            string
	Fax                  string
	Website              string
	Extra                Extra
}

// Code is the document's number and notation (số, ký hiệu).
type Code struct {
	CodeNumber   string // ≤ 11 characters, e.g. 7816
	CodeNotation string // ≤ 30 characters, e.g. VPCP-TTĐT
	Extra        Extra
}

// PromulgationInfo is where and when a document was issued.
type PromulgationInfo struct {
	Place            string
	PromulgationDate Date
	Extra            Extra
}

// DocumentType classifies the document. Code lists differ between
// producers (Công văn is 1 or 18): TypeName is the truth.
type DocumentType struct {
	Type       int
	TypeDetail int
	TypeName   string
	Extra      Extra
}

// SignerInfo names who signed the document.
type SignerInfo struct {
	Competence string // TM., KT., TL., TUQ., Q.
	Position   string
	FullName   string
	Extra      Extra
}

// Priority is the document's urgency (độ khẩn).
type Priority int

// The priorities of OtherInfo.
const (
	PriorityNormal     Priority = 0 // thường
	PriorityUrgent     Priority = 1 // khẩn
	PriorityVeryUrgent Priority = 2 // thượng khẩn
	PriorityFlash      Priority = 3 // hỏa tốc
	PriorityFlashTimed Priority = 4 // hỏa tốc hẹn giờ
)

// OtherInfo holds the remaining descriptive fields.
type OtherInfo struct {
	Priority             Priority
	SphereOfPromulgation string
	TyperNotation        string
	PromulgationAmount   int
	PageAmount           int
	Appendixes           Appendixes
	Extra                Extra
}

// Appendixes lists the document's appendices (phụ lục).
type Appendixes struct {
	Appendix []string
	Extra    Extra
}

// ToPlaces is the printed distribution list (nơi nhận); it does not route.
type ToPlaces struct {
	Place []string
	Extra Extra
}

// ResponseFor names the document a packet answers, recalls or updates.
type ResponseFor struct {
	OrganID          string
	Code             string // number/notation, e.g. 7816/VPCP-TTĐT
	PromulgationDate Date
	DocumentID       string
	Extra            Extra
}

// TraceHeaderList records who handled the packet and what it is for.
type TraceHeaderList struct {
	TraceHeader []TraceHeader
	// Business is nil when the packet has none. (The standard spells this
	// element and its children with a double s.)
	Business *Business
	Extra    Extra
}

// TraceHeader is one hop of the packet.
type TraceHeader struct {
	OrganID   string
	Timestamp Date
	Extra     Extra
}

// BusinessDocType says what a document packet does.
type BusinessDocType int

// The business document types.
const (
	DocNew     BusinessDocType = 0
	DocRevoke  BusinessDocType = 1
	DocUpdate  BusinessDocType = 2
	DocReplace BusinessDocType = 3
)

// Business is the business part of the trace: what the packet does.
type Business struct {
	BusinessDocType   BusinessDocType
	BusinessDocReason string
	DocumentID        string // the target of a revoke, update or replace
	Paper             int    // 1 when a paper copy follows
	StaffInfo         StaffInfo
	// BusinessDocumentInfo describes an update; nil when absent.
	BusinessDocumentInfo *BusinessDocumentInfo
	// ReplacementInfoList describes a replacement; nil when absent.
	ReplacementInfoList *ReplacementInfoList
	Extra               Extra
}

// StaffInfo names the officer who handled a packet.
type StaffInfo struct {
	Department string
	Staff      string
	Email      string
	Mobile     string
	Extra      Extra
}

// BusinessDocumentInfo describes what an update changes and for whom.
type BusinessDocumentInfo struct {
	DocumentInfo     string
	DocumentReceiver string
	ReceiverList     ReceiverList
	Extra            Extra
}

// ReceiverList lists the recipients an update concerns.
type ReceiverList struct {
	Receiver []Receiver
	Extra    Extra
}

// Receiver is one recipient of an update.
type Receiver struct {
	ReceiverType int
	OrganID      string
	Extra        Extra
}

// ReplacementInfoList lists the documents a replacement supersedes.
type ReplacementInfoList struct {
	ReplacementInfo []ReplacementInfo
	Extra           Extra
}

// ReplacementInfo is one superseded document and the recipients it went to.
type ReplacementInfo struct {
	DocumentID  string
	OrganIDList OrganIDList
	Extra       Extra
}

// OrganIDList is a list of organisation codes.
type OrganIDList struct {
	OrganID []string
	Extra   Extra
}

// Manifest lists the attachments (edXMLBody/edXMLManifest).
type Manifest struct {
	Version    string // "1.0"
	References []Reference
	Extra      Extra
}

// Reference is a manifest entry.
type Reference struct {
	ContentID      string // as written, with or without "cid:"
	ContentType    string
	Description    string
	AttachmentName string
	Extra          Extra
}

// Attachment is an attachment's metadata.
type Attachment struct {
	ContentID   string // as written, with or without "cid:"
	Name        string // AttachmentName, NFC-normalised and checked by ValidateAttachmentName
	Description string
	ContentType string
	// Raw is set when the file travels without a ZIP wrapper. The encoder
	// wraps every other attachment.
	Raw bool
	// Size is the number of bytes handed to the Sink (decoding only).
	Size int64
	// Ref is what the Sink returned for the file (decoding only).
	Ref   AttachmentRef
	Extra Extra
}

// StatusCode is a status packet's code.
type StatusCode string

// The status codes of AXIS.md §1.
const (
	StatusArrived        StatusCode = "01" // arrived, not yet handled
	StatusRefused        StatusCode = "02" // refused at intake, with a reason
	StatusAccepted       StatusCode = "03" // accepted and registered
	StatusAssigned       StatusCode = "04" // assigned by a leader
	StatusProcessing     StatusCode = "05" // being processed
	StatusFinished       StatusCode = "06" // finished
	StatusRecallRequest  StatusCode = "13" // the sender asks for the document back
	StatusRecallAccepted StatusCode = "15" // the recipient agrees to the recall or update
	StatusRecallRefused  StatusCode = "16" // the recipient refuses the recall or update
)

// Status is a status packet.
type Status struct {
	ResponseFor ResponseFor
	From        Organization
	StatusCode  StatusCode
	Description string
	Timestamp   Date
	StaffInfo   StaffInfo
	Extra       Extra
	// HeaderExtra keeps unknown elements of edXMLHeader.
	HeaderExtra Extra
}

// Extra keeps what this package does not model, so that it is written
// back unchanged: the attributes of an element and its unknown children.
type Extra struct {
	Attrs []Attr
	Elems []RawElement
}

// Attr is an attribute kept as sent.
type Attr struct {
	Space  string // namespace URI, "" for none
	Prefix string // the prefix it was written with
	Name   string
	Value  string
}

// RawElement is an unknown element kept as self-contained XML (it declares
// the namespaces it uses). After names the known sibling it followed (""
// when it came first); the encoder writes it after that sibling.
type RawElement struct {
	After string
	XML   string
}

// AttachmentRef identifies a stored file; it is opaque to this package
// (e.g. a blob hash).
type AttachmentRef string

// AttachmentInfo describes a file handed to a Sink.
type AttachmentInfo struct {
	Index       int    // 1-based position among the packet's attachments
	ContentID   string // without "cid:"
	Name        string
	Description string
	ContentType string
	// Raw is false when the file was unwrapped from its ZIP wrapper.
	Raw bool
}

// Sink stores the attachments of a packet as they stream in. A store
// implements it by writing content-addressed blobs.
type Sink interface {
	// Put reads r to its end and stores it. When r returns an error, or
	// Put fails, Put must return an error and keep nothing.
	Put(ctx context.Context, att AttachmentInfo, r io.Reader) (AttachmentRef, error)
	// Discard releases a file Put stored: the decoder calls it for every
	// stored file when the packet fails after all, so that no orphan
	// stays. After a successful decode the refs belong to the caller.
	Discard(ctx context.Context, ref AttachmentRef) error
}

// Source opens an attachment's bytes for encoding.
type Source interface {
	Open(ctx context.Context, att *Attachment) (io.ReadCloser, error)
}
