package edxml

// Limits bound what a decoder accepts from a packet. A zero field takes its
// value from DefaultLimits; set a field to a very large value to lift it.
type Limits struct {
	// MaxPacketSize bounds the bytes read from the packet.
	MaxPacketSize int64
	// MaxHeaderSize bounds the bytes of edXMLEnvelope (everything but the
	// attachments), which is held in memory while it is read, and again
	// those of all the attachments' metadata taken together.
	MaxHeaderSize int64
	// MaxTextSize bounds the text of one element outside the attachment
	// content (a subject, a name, ...).
	MaxTextSize int
	// MaxElements bounds the elements held in memory: those of
	// edXMLEnvelope and of the attachments' metadata.
	MaxElements int
	// MaxDepth bounds element nesting; the root element is at depth 1.
	MaxDepth int
	// MaxAttachments bounds the number of attachments (and of manifest
	// references).
	MaxAttachments int
	// MaxAttachmentSize bounds one attachment: its decoded bytes, and for a
	// ZIP-wrapped one both the ZIP and the file inside.
	MaxAttachmentSize int64
	// MaxTotalSize bounds the sum of the files delivered to the sink.
	MaxTotalSize int64
	// MaxZipRatio bounds how many times a ZIP-wrapped file may be larger
	// than its compressed form (checked for files above 1 MiB).
	MaxZipRatio float64
	// MaxZipEntries bounds the entries a ZIP wrapper may list.
	MaxZipEntries int
}

// DefaultLimits fits a desktop inbox: packets up to 1.5 GiB, files up to
// 512 MiB, 1000 attachments.
func DefaultLimits() Limits {
	return Limits{
		MaxPacketSize:     3 << 29, // 1.5 GiB
		MaxHeaderSize:     8 << 20,
		MaxTextSize:       1 << 20,
		MaxElements:       100_000,
		MaxDepth:          32,
		MaxAttachments:    1000,
		MaxAttachmentSize: 512 << 20,
		MaxTotalSize:      1 << 30,
		MaxZipRatio:       100,
		MaxZipEntries:     16,
	}
}

// withDefaults fills the zero fields of l from DefaultLimits.
func (l Limits) withDefaults() Limits {
	d := DefaultLimits()
	if l.MaxPacketSize <= 0 {
		l.MaxPacketSize = d.MaxPacketSize
	}
	if l.MaxHeaderSize <= 0 {
		l.MaxHeaderSize = d.MaxHeaderSize
	}
	if l.MaxTextSize <= 0 {
		l.MaxTextSize = d.MaxTextSize
	}
	if l.MaxElements <= 0 {
		l.MaxElements = d.MaxElements
	}
	if l.MaxDepth <= 0 {
		l.MaxDepth = d.MaxDepth
	}
	if l.MaxAttachments <= 0 {
		l.MaxAttachments = d.MaxAttachments
	}
	if l.MaxAttachmentSize <= 0 {
		l.MaxAttachmentSize = d.MaxAttachmentSize
	}
	if l.MaxTotalSize <= 0 {
		l.MaxTotalSize = d.MaxTotalSize
	}
	if l.MaxZipRatio <= 0 {
		l.MaxZipRatio = d.MaxZipRatio
	}
	if l.MaxZipEntries <= 0 {
		l.MaxZipEntries = d.MaxZipEntries
	}
	return l
}

// DecodeOptions tune DecodeEdoc and DecodeStatus.
type DecodeOptions struct {
	Limits Limits
	// TempDir holds the short-lived spool files of ZIP-wrapped attachments
	// (and of attachments whose name follows their content); "" means
	// os.TempDir.
	TempDir string
}
