package inbox

import (
	"encoding/json"
	"slices"
	"time"
)

// Direction tells where a document comes from.
type Direction string

// Directions.
const (
	Incoming Direction = "incoming" // văn bản đến
	Outgoing Direction = "outgoing" // văn bản đi
	Internal Direction = "internal" // văn bản nội bộ
)

// State is a document's place in the Decree 30 workflow. Incoming and
// outgoing documents have disjoint states.
type State string

// Incoming states.
const (
	StateArrived         State = "arrived"          // received, not yet handled (status 01 sent)
	StateRefused         State = "refused"          // refused at intake (02)
	StateRegistered      State = "registered"       // entered in the incoming register (03)
	StateAssigned        State = "assigned"         // assigned by a leader (04)
	StateProcessing      State = "processing"       // being processed (05)
	StateDone            State = "done"             // finished (06)
	StateRecallRequested State = "recall_requested" // the sender asks for it back (13), awaiting our decision
	StateRecalled        State = "recalled"         // recall accepted (15): frozen and hidden
)

// Outgoing (and internal) states.
const (
	StateDraft      State = "draft"       // being drafted
	StateSubmitted  State = "submitted"   // submitted to a leader for signing
	StateReturned   State = "returned"    // returned by the leader with comments
	StateApproved   State = "approved"    // signed by the leader, waiting to be issued
	StateIssued     State = "issued"      // numbered, sealed and sent
	StateRecallSent State = "recall_sent" // we asked the recipients for it back (13)
)

// States lists every state, incoming first.
func States() []State {
	return []State{
		StateArrived, StateRefused, StateRegistered, StateAssigned, StateProcessing,
		StateDone, StateRecallRequested, StateRecalled,
		StateDraft, StateSubmitted, StateReturned, StateApproved, StateIssued, StateRecallSent,
	}
}

// Vietnamese is the state's label in the Vietnamese UI.
func (s State) Vietnamese() string {
	switch s {
	case StateArrived:
		return "Mới đến"
	case StateRefused:
		return "Đã từ chối tiếp nhận"
	case StateRegistered:
		return "Đã vào sổ"
	case StateAssigned:
		return "Đã phân công"
	case StateProcessing:
		return "Đang xử lý"
	case StateDone:
		return "Đã xử lý xong"
	case StateRecallRequested:
		return "Bên gửi đề nghị thu hồi"
	case StateRecalled:
		return "Đã thu hồi"
	case StateDraft:
		return "Dự thảo"
	case StateSubmitted:
		return "Đã trình ký"
	case StateReturned:
		return "Bị trả lại"
	case StateApproved:
		return "Đã ký duyệt"
	case StateIssued:
		return "Đã phát hành"
	case StateRecallSent:
		return "Đã đề nghị thu hồi"
	}
	return string(s)
}

// English is the state's label in the English UI.
func (s State) English() string {
	switch s {
	case StateArrived:
		return "Arrived"
	case StateRefused:
		return "Refused"
	case StateRegistered:
		return "Registered"
	case StateAssigned:
		return "Assigned"
	case StateProcessing:
		return "Processing"
	case StateDone:
		return "Done"
	case StateRecallRequested:
		return "Recall requested"
	case StateRecalled:
		return "Recalled"
	case StateDraft:
		return "Draft"
	case StateSubmitted:
		return "Submitted for signing"
	case StateReturned:
		return "Returned"
	case StateApproved:
		return "Approved"
	case StateIssued:
		return "Issued"
	case StateRecallSent:
		return "Recall sent"
	}
	return string(s)
}

// incoming reports whether s is a state of an incoming document.
func (s State) incoming() bool {
	switch s {
	case StateArrived, StateRefused, StateRegistered, StateAssigned, StateProcessing,
		StateDone, StateRecallRequested, StateRecalled:
		return true
	}
	return false
}

// open reports whether work on a document in state s is unfinished, so that
// a passed deadline makes it overdue.
func (s State) open() bool { return slices.Contains(openStates, s) }

// openStates are the states in which work on a document is unfinished
// (the documents table's is_open).
var openStates = []State{
	StateArrived, StateRegistered, StateAssigned, StateProcessing, StateRecallRequested,
	StateDraft, StateSubmitted, StateReturned, StateApproved,
}

// Folder is a list in the GUI's side bar. A document is in exactly one folder,
// derived from its direction and state.
type Folder string

// Folders.
const (
	FolderToRegister Folder = "to_register" // incoming, waiting for the clerk
	FolderToProcess  Folder = "to_process"  // incoming, registered and being handled
	FolderRecall     Folder = "recall"      // incoming, the sender asks for it back
	FolderArchive    Folder = "archive"     // incoming, done or refused
	FolderDrafts     Folder = "drafts"      // outgoing drafts and returned drafts
	FolderOutgoing   Folder = "outgoing"    // outgoing, submitted or approved, not yet issued
	FolderSent       Folder = "sent"        // outgoing, issued
	FolderHidden     Folder = "hidden"      // recalled incoming documents, kept for the record
)

// Folders lists the folders in side-bar order.
func Folders() []Folder {
	return []Folder{FolderToRegister, FolderToProcess, FolderRecall, FolderArchive,
		FolderDrafts, FolderOutgoing, FolderSent, FolderHidden}
}

// Vietnamese is the folder's label in the Vietnamese UI.
func (f Folder) Vietnamese() string {
	switch f {
	case FolderToRegister:
		return "Văn bản đến chờ vào sổ"
	case FolderToProcess:
		return "Văn bản đến cần xử lý"
	case FolderRecall:
		return "Đề nghị thu hồi"
	case FolderArchive:
		return "Văn bản đến đã xử lý"
	case FolderDrafts:
		return "Dự thảo"
	case FolderOutgoing:
		return "Văn bản đi chờ phát hành"
	case FolderSent:
		return "Văn bản đi đã phát hành"
	case FolderHidden:
		return "Văn bản đã thu hồi"
	}
	return string(f)
}

// English is the folder's label in the English UI.
func (f Folder) English() string {
	switch f {
	case FolderToRegister:
		return "Incoming to register"
	case FolderToProcess:
		return "To process"
	case FolderRecall:
		return "Recall requests"
	case FolderArchive:
		return "Archive"
	case FolderDrafts:
		return "Drafts"
	case FolderOutgoing:
		return "Outgoing"
	case FolderSent:
		return "Sent"
	case FolderHidden:
		return "Recalled"
	}
	return string(f)
}

// folderOf is the one place that maps a state to its folder.
func folderOf(s State) Folder {
	switch s {
	case StateArrived:
		return FolderToRegister
	case StateRegistered, StateAssigned, StateProcessing:
		return FolderToProcess
	case StateRecallRequested:
		return FolderRecall
	case StateDone, StateRefused:
		return FolderArchive
	case StateRecalled:
		return FolderHidden
	case StateDraft, StateReturned:
		return FolderDrafts
	case StateSubmitted, StateApproved:
		return FolderOutgoing
	case StateIssued, StateRecallSent:
		return FolderSent
	}
	return FolderArchive
}

// Priority is the edXML OtherInfo/Priority (độ khẩn).
type Priority int

// Priorities.
const (
	PriorityNormal     Priority = 0 // thường
	PriorityUrgent     Priority = 1 // khẩn
	PriorityVeryUrgent Priority = 2 // thượng khẩn
	PriorityFlash      Priority = 3 // hỏa tốc
	PriorityFlashTimed Priority = 4 // hỏa tốc hẹn giờ
	maxPriority                 = PriorityFlashTimed
)

// Vietnamese is the priority's badge in the Vietnamese UI.
func (p Priority) Vietnamese() string {
	switch p {
	case PriorityUrgent:
		return "Khẩn"
	case PriorityVeryUrgent:
		return "Thượng khẩn"
	case PriorityFlash:
		return "Hỏa tốc"
	case PriorityFlashTimed:
		return "Hỏa tốc hẹn giờ"
	}
	return "Thường"
}

// English is the priority's badge in the English UI.
func (p Priority) English() string {
	switch p {
	case PriorityUrgent:
		return "Urgent"
	case PriorityVeryUrgent:
		return "Very urgent"
	case PriorityFlash:
		return "Flash"
	case PriorityFlashTimed:
		return "Flash, timed"
	}
	return "Normal"
}

// StatusCode is an edXML status code (AXIS.md §1).
type StatusCode string

// Status codes.
const (
	StatusArrived        StatusCode = "01"
	StatusRefused        StatusCode = "02"
	StatusRegistered     StatusCode = "03"
	StatusAssigned       StatusCode = "04"
	StatusProcessing     StatusCode = "05"
	StatusDone           StatusCode = "06"
	StatusRecall         StatusCode = "13"
	StatusRecallAccepted StatusCode = "15"
	StatusRecallRefused  StatusCode = "16"
)

// Organization is an agency as the axis knows it. The store keeps the code
// and the name in columns; the other fields travel in the encoded header.
type Organization struct {
	Code     string // QCVN 102 organisation code, e.g. 000.00.00.G22
	Name     string
	InCharge string
	Address  string
	Email    string
	Phone    string
	Fax      string
	Website  string
}

// Signer is the edXML SignerInfo.
type Signer struct {
	Competence string // TM., KT., TL., TUQ., Q.
	Position   string
	FullName   string
}

// DocumentRef names another document (edXML ResponseFor).
type DocumentRef struct {
	OrganID          string
	Code             string // "number/notation"
	PromulgationDate time.Time
	DocumentID       string
}

// Actor is the person (or system) doing something; it goes into the audit
// log and, for status packets, into StaffInfo.
type Actor struct {
	ID         string // login or system name; required
	Name       string
	Department string
	Email      string
	Mobile     string
}

// Document is a document with its metadata and, from Get, everything
// attached to it. Fields marked "read only" are ignored on insert.
type Document struct {
	ID                 int64 // read only
	Direction          Direction
	State              State  // read only
	Folder             Folder // read only
	DocumentID         string // edXML DocumentId; for our own documents set at Issue
	Sender             Organization
	Recipients         []Recipient // To (incoming: for the record; outgoing: where Issue sends)
	CodeNumber         string
	CodeNotation       string
	PromulgationPlace  string
	PromulgationDate   time.Time // a calendar date
	TypeCode           string
	TypeName           string
	Subject            string
	Content            string
	Signer             Signer
	DueDate            time.Time // the sender's processing deadline, a calendar date
	Deadline           time.Time // read only: DueDate, or the lead assignee's deadline
	Priority           Priority
	Sphere             string
	TyperNotation      string
	PromulgationAmount int
	PageAmount         int
	SteeringType       string
	ResponseFor        DocumentRef
	Header             []byte // the encoded edXML header, opaque, kept for export

	Register     *RegisterRef // read only: the register that numbered it
	Number       int          // read only: arrival number (incoming) or issue number (outgoing)
	RegisteredAt time.Time    // read only
	Read         bool         // read only (see MarkRead)
	Hidden       bool         // read only: recalled, out of normal views
	Frozen       bool         // read only: no further changes
	RecallReason string       // read only
	Date         time.Time    // read only: arrival (incoming) or creation/issue (outgoing) time; lists sort by it
	CreatedAt    time.Time    // read only
	UpdatedAt    time.Time    // read only

	Attachments []Attachment // read only (Get): the current attachments
	Assignments []Assignment // read only (Get)
	Comments    []Comment    // read only (Get)
}

// Recipient is one addressee of a document, with the statuses it sent back.
type Recipient struct {
	Organization
	Statuses []RecipientStatus // oldest first (Get)
	Latest   *RecipientStatus  // the newest status, nil before any
}

// RecipientStatus is one status a recipient reported for our document.
type RecipientStatus struct {
	Code        StatusCode
	At          time.Time
	Description string
	Staff       string
	Department  string
}

// RegisterKind says which documents a register numbers.
type RegisterKind string

// Register kinds.
const (
	RegisterIncoming RegisterKind = "incoming" // sổ văn bản đến
	RegisterOutgoing RegisterKind = "outgoing" // sổ văn bản đi
)

// RegisterRef names one yearly register (sổ văn bản).
type RegisterRef struct {
	ID   int64
	Name string
	Kind RegisterKind
	Year int
}

// Register is a yearly register with the last number it gave.
type Register struct {
	RegisterRef
	LastNumber int
	CreatedAt  time.Time
}

// Blob is a content-addressed file in the blob store.
type Blob struct {
	SHA256 string // lower-case hex
	Size   int64
}

// NewAttachment is an attachment to store; its file must already be in the
// blob store (PutBlob).
type NewAttachment struct {
	Name         string
	ContentType  string
	Description  string
	ContentID    string
	Blob         Blob
	Verdict      string          // the signature verification's verdict, queryable ("" when not verified)
	Verification json.RawMessage // the full verification result (signers, reasons), opaque; nil when none
	Text         string          // extracted text, for search
}

// Stage tells at which step of the workflow an attachment was stored.
type Stage string

// Stages.
const (
	StageReceived Stage = "received"
	StageDraft    Stage = "draft"
	StageApproved Stage = "approved"
	StageIssued   Stage = "issued"
)

// Attachment is a stored attachment.
type Attachment struct {
	ID           int64
	Position     int
	Stage        Stage
	Name         string
	ContentType  string
	Description  string
	ContentID    string
	Blob         Blob
	Verdict      string
	Verification json.RawMessage
	CreatedAt    time.Time
}

// Role is an assignee's role.
type Role string

// Roles.
const (
	RoleLead         Role = "lead"         // xử lý chính
	RoleCoordinating Role = "coordinating" // phối hợp
)

// Assignment hands a document to a unit or officer.
type Assignment struct {
	Assignee string
	Role     Role
	Deadline time.Time // a calendar date; zero for none
	Note     string    // direction, leader's annotation
	By       string    // read only: the actor's ID
	At       time.Time // read only
}

// Comment is a remark on a document (including a leader's return comments).
type Comment struct {
	ID     int64
	Author string
	Text   string
	At     time.Time
}

// Summary is a document as lists and search show it.
type Summary struct {
	ID           int64
	Direction    Direction
	State        State
	Folder       Folder
	DocumentID   string
	Sender       Organization // code and name
	CodeNumber   string
	CodeNotation string
	TypeName     string
	Subject      string
	Priority     Priority
	Number       int // arrival or issue number, 0 before
	Date         time.Time
	Deadline     time.Time
	Overdue      bool
	Read         bool
	Hidden       bool
}

// StatusPacket is what the store asks Options.EncodeStatus to encode: an
// edXML status message about one document.
type StatusPacket struct {
	ResponseFor DocumentRef
	From        Organization
	To          []Organization
	Code        StatusCode
	Description string
	Timestamp   time.Time
	Staff       Actor
}
