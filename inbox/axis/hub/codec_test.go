package hub_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vanthu/vanthu/inbox/axis"
	"github.com/vanthu/vanthu/inbox/edxml"
)

// mapSource serves attachment bytes by name to the encoder.
type mapSource map[string][]byte

func (s mapSource) Open(_ context.Context, att *edxml.Attachment) (io.ReadCloser, error) {
	b, ok := s[att.Name]
	if !ok {
		return nil, fmt.Errorf("no content for %q", att.Name)
	}
	return io.NopCloser(bytes.NewReader(b)), nil
}

// memSink keeps decoded attachments in memory.
type memSink struct {
	mu    sync.Mutex
	files map[string][]byte
}

func (m *memSink) Put(_ context.Context, att edxml.AttachmentInfo, r io.Reader) (edxml.AttachmentRef, error) {
	b, err := io.ReadAll(r)
	if err != nil {
		return "", err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.files == nil {
		m.files = map[string][]byte{}
	}
	m.files[att.Name] = b
	return edxml.AttachmentRef(att.Name), nil
}

func (m *memSink) Discard(_ context.Context, ref edxml.AttachmentRef) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.files, string(ref))
	return nil
}

// encodedEdoc is a document written by the project's codec, with two
// attachments (one ZIP-wrapped, one raw).
func encodedEdoc(t *testing.T, files mapSource) []byte {
	t.Helper()
	day := time.Date(2026, 11, 26, 9, 0, 0, 0, edxml.Vietnam)
	id, err := edxml.MakeDocumentID(agVPCP, day, "7900", "VPCP-KSTT")
	mustOK(t, "document id", err)
	e := &edxml.Edoc{
		Header: edxml.MessageHeader{
			From:             edxml.Organization{OrganID: agVPCP, OrganName: "Văn phòng Chính phủ"},
			To:               []edxml.Organization{{OrganID: agNghean, OrganName: "UBND tỉnh Nghệ An"}},
			DocumentID:       id,
			Code:             edxml.Code{CodeNumber: "7900", CodeNotation: "VPCP-KSTT"},
			PromulgationInfo: edxml.PromulgationInfo{Place: "Hà Nội", PromulgationDate: edxml.NewDate(day)},
			DocumentType:     edxml.DocumentType{Type: 1, TypeName: "Công văn"},
			Subject:          "Về việc cải cách thủ tục hành chính",
		},
		Attachments: []edxml.Attachment{
			{ContentID: "1", Name: "Công văn 7900.pdf", ContentType: "application/pdf"},
			{ContentID: "2", Name: "Phụ lục.txt", ContentType: "text/plain", Raw: true},
		},
	}
	var buf bytes.Buffer
	mustOK(t, "encode", edxml.EncodeEdoc(t.Context(), &buf, e, files, edxml.EncodeOptions{}))
	return buf.Bytes()
}

// TestCodecPackets: packets made by the codec travel intact; a document
// with a broken attachment is carried (the recipient must cope); an
// envelope the codec refuses is NOT_EDXML.
func TestCodecPackets(t *testing.T) {
	e := newEnv(t)
	ctx := ctxT(t)
	a, b := e.client(sysA), e.client(sysB)

	// The hand-written packets of these tests are valid for the codec too.
	if _, err := edxml.DecodeEdoc(ctx, bytes.NewReader(edoc(agVPCP, []string{agNghean}, "1", "x")), nil, edxml.DecodeOptions{}); err != nil {
		t.Errorf("the test edoc: %v", err)
	}
	if _, err := edxml.DecodeStatus(ctx, bytes.NewReader(statusPacket(agNghean, agVPCP, "d", "03", "x")), edxml.DecodeOptions{}); err != nil {
		t.Errorf("the test status: %v", err)
	}

	files := mapSource{"Công văn 7900.pdf": bytes.Repeat([]byte("%PDF-1.7 "), 5000), "Phụ lục.txt": []byte("phụ lục")}
	packet := encodedEdoc(t, files)
	_, err := a.Send(ctx, axis.MessageEdoc, agVPCP, nil, bytes.NewReader(packet), -1)
	mustOK(t, "send", err)
	list, err := b.ReceivedList(ctx, axis.MessageEdoc)
	mustOK(t, "list", err)
	rc, err := b.Download(ctx, list[0].DocID)
	mustOK(t, "download", err)
	sink := &memSink{}
	got, err := edxml.DecodeEdoc(ctx, rc, sink, edxml.DecodeOptions{TempDir: t.TempDir()})
	_ = rc.Close()
	mustOK(t, "decode", err)
	if got.Header.Subject != "Về việc cải cách thủ tục hành chính" || len(sink.files) != 2 {
		t.Errorf("decoded %q with %d files", got.Header.Subject, len(sink.files))
	}
	for name, want := range files {
		if !bytes.Equal(sink.files[name], want) {
			t.Errorf("attachment %q changed on the way", name)
		}
	}
	rows := e.sentRows(sysA, "")
	if len(rows) != 1 || rows[0]["notation"] != "7900/VPCP-KSTT" || rows[0]["title"] != "Về việc cải cách thủ tục hành chính" {
		t.Errorf("sent rows %v", rows)
	}
	mustOK(t, "done", b.UpdateStatus(ctx, list[0].DocID, axis.StatusDone, ""))

	// A broken attachment: carried, and the recipient's decoder refuses it.
	b64 := regexp.MustCompile(`(<edXML:ContentTransferEncoded>)[^<]*(</edXML:ContentTransferEncoded>)`)
	broken := b64.ReplaceAll(packet, []byte("${1}!!! không phải base64 !!!${2}"))
	if bytes.Equal(broken, packet) {
		t.Fatal("the test did not break the attachment")
	}
	_, err = a.Send(ctx, axis.MessageEdoc, agVPCP, nil, bytes.NewReader(broken), -1)
	mustOK(t, "send a broken attachment", err)
	if !strings.Contains(e.logs.String(), "packet carried despite a bad attachment") {
		t.Error("no log record of the carried bad attachment")
	}
	list, err = b.ReceivedList(ctx, axis.MessageEdoc)
	mustOK(t, "list", err)
	data, err := b.Get(ctx, list[0].DocID)
	mustOK(t, "get", err)
	if _, err := edxml.DecodeEdoc(ctx, bytes.NewReader(data), nil, edxml.DecodeOptions{}); !errors.Is(err, edxml.ErrBadAttachment) {
		t.Errorf("the recipient decodes the broken packet: %v, want ErrBadAttachment", err)
	}
	mustOK(t, "fail", b.UpdateStatus(ctx, list[0].DocID, axis.StatusFail, "undecodable attachment"))
	if list, _ = b.ReceivedList(ctx, axis.MessageEdoc); len(list) != 1 || list[0].Status != "fail" || list[0].StatusDesc != "undecodable attachment" {
		t.Errorf("after fail: %+v", list)
	}

	// Envelopes the codec refuses.
	before := e.counts()
	for name, bad := range map[string][]byte{
		"type not a number":  bytes.Replace(packet, []byte("<edXML:Type>1</edXML:Type>"), []byte("<edXML:Type>một</edXML:Type>"), 1),
		"subject twice":      bytes.Replace(packet, []byte("<edXML:Subject>"), []byte("<edXML:Subject>x</edXML:Subject><edXML:Subject>"), 1),
		"header text":        bytes.Replace(packet, []byte("<edXML:MessageHeader>"), []byte("<edXML:MessageHeader>chữ"), 1),
		"processing instr":   bytes.Replace(packet, []byte("<edXML:MessageHeader>"), []byte("<?php echo 1 ?><edXML:MessageHeader>"), 1),
		"status attachments": bytes.Replace(statusPacket(agVPCP, agNghean, "d", "03", "x"), []byte("</edXML:edXMLEnvelope>"), []byte("</edXML:edXMLEnvelope><edXML:AttachmentEncoded/>"), 1),
	} {
		if bytes.Equal(bad, packet) {
			t.Fatalf("%s: the test did not change the packet", name)
		}
		mt := "edoc"
		if strings.HasPrefix(name, "status") {
			mt = "status"
		}
		if ans := e.do(sendCall(sysA, agVPCP, mt, []string{agNghean}, bad)); ans.env.ErrorCode != axis.CodeNotEdXML {
			t.Errorf("%s: got %s, want NOT_EDXML", name, describe(ans))
		}
	}
	if after := e.counts(); after.Packets != before.Packets || after.Deliveries != before.Deliveries {
		t.Errorf("refused packets were stored: %+v → %+v", before, after)
	}
}
