package edxml_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/vanthu/vanthu/inbox/edxml"
)

// blobs is a toy content-addressed store: a Sink for decoding and a
// Source for encoding.
type blobs map[edxml.AttachmentRef][]byte

func (b blobs) Put(ctx context.Context, att edxml.AttachmentInfo, r io.Reader) (edxml.AttachmentRef, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return "", err
	}
	ref := edxml.AttachmentRef(fmt.Sprintf("%x", sha256.Sum256(data)))
	b[ref] = data
	return ref, nil
}

func (b blobs) Discard(ctx context.Context, ref edxml.AttachmentRef) error {
	delete(b, ref)
	return nil
}

func (b blobs) Open(ctx context.Context, att *edxml.Attachment) (io.ReadCloser, error) {
	return io.NopCloser(bytes.NewReader(b[att.Ref])), nil
}

func Example() {
	ctx := context.Background()
	store := blobs{}
	issued := time.Date(2024, 3, 1, 9, 0, 0, 0, edxml.Vietnam)
	docID, err := edxml.MakeDocumentID("000.00.00.H41", issued, "12", "UBND-VP")
	if err != nil {
		panic(err)
	}
	pdf, _ := store.Put(ctx, edxml.AttachmentInfo{}, bytes.NewReader([]byte("%PDF-1.7 …")))
	doc := &edxml.Edoc{
		Header: edxml.MessageHeader{
			From:             edxml.Organization{OrganID: "000.00.00.H41", OrganName: "UBND Tỉnh Nghệ An"},
			To:               []edxml.Organization{{OrganID: "000.00.00.G22", OrganName: "Văn phòng Chính phủ"}},
			DocumentID:       docID,
			Code:             edxml.Code{CodeNumber: "12", CodeNotation: "UBND-VP"},
			PromulgationInfo: edxml.PromulgationInfo{Place: "Nghệ An", PromulgationDate: edxml.NewDate(issued)},
			DocumentType:     edxml.DocumentType{Type: 1, TypeName: "Công văn"},
			Subject:          "V/v báo cáo tình hình quý I",
		},
		Attachments: []edxml.Attachment{{Name: "Công văn 12.pdf", ContentType: "application/pdf", Ref: pdf}},
	}
	var packet bytes.Buffer
	if err := edxml.EncodeEdoc(ctx, &packet, doc, store, edxml.EncodeOptions{}); err != nil {
		panic(err)
	}

	kind, _ := edxml.Detect(bytes.NewReader(packet.Bytes()))
	got, err := edxml.DecodeEdoc(ctx, bytes.NewReader(packet.Bytes()), store, edxml.DecodeOptions{})
	if err != nil {
		// A packet fault is acknowledged as failed and reported to the
		// sender; anything else is retried.
		fmt.Println(errors.Is(err, edxml.ErrBadPacket), err)
		return
	}
	organ, date, number, _ := edxml.ParseDocumentID(got.Header.DocumentID)
	a := got.Attachments[0]
	fmt.Println(kind, organ, date, number)
	fmt.Println(got.Header.Subject)
	fmt.Printf("%s: %d bytes, unwrapped from its ZIP: %v\n", a.Name, a.Size, !a.Raw)
	// Output:
	// edoc 000.00.00.H41 2024/03/01 12/UBND-VP
	// V/v báo cáo tình hình quý I
	// Công văn 12.pdf: 12 bytes, unwrapped from its ZIP: true
}
