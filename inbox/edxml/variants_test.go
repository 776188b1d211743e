package edxml

import (
	"bytes"
	"context"
	"reflect"
	"strings"
	"testing"
)

func TestVariants(t *testing.T) {
	pdf := []byte("%PDF-1.4 nội dung công văn")
	cases := []struct {
		name  string
		p     testPacket
		check func(t *testing.T, e *Edoc, sink *memSink)
	}{
		{"cid in manifest only", testPacket{atts: []testAtt{{refID: "cid:a1", attID: "a1", name: "cv.pdf", content: pdf, zip: true}}}, nil},
		{"cid in attachment only", testPacket{atts: []testAtt{{refID: "a1", attID: "cid:a1", name: "cv.pdf", content: pdf, zip: true}}}, nil},
		{"no cid anywhere", testPacket{atts: []testAtt{{refID: "a1", attID: "a1", name: "cv.pdf", content: pdf}}}, func(t *testing.T, e *Edoc, sink *memSink) {
			if !e.Attachments[0].Raw || !bytes.Equal(sink.blobs[e.Attachments[0].Ref], pdf) {
				t.Error("raw attachment not delivered as sent")
			}
		}},
		{"zipped with a uuid entry name", testPacket{atts: []testAtt{{refID: "cid:a1", attID: "a1", name: "Công văn.pdf", entry: "3f2a9c1e.pdf", content: pdf, zip: true}}}, func(t *testing.T, e *Edoc, sink *memSink) {
			if e.Attachments[0].Raw || !bytes.Equal(sink.blobs[e.Attachments[0].Ref], pdf) {
				t.Error("ZIP wrapper not removed")
			}
		}},
		{"raw and zipped, name after content", testPacket{atts: []testAtt{
			{refID: "a1", attID: "a1", name: "a.pdf", content: pdf, zip: true, nameAfter: true},
			{refID: "a2", attID: "a2", name: "b.txt", content: []byte("raw text"), nameAfter: true},
		}}, func(t *testing.T, e *Edoc, sink *memSink) {
			if e.Attachments[0].Raw || !e.Attachments[1].Raw {
				t.Errorf("raw flags %v %v", e.Attachments[0].Raw, e.Attachments[1].Raw)
			}
		}},
		{"a user's own zip sent raw", testPacket{atts: []testAtt{{refID: "a1", attID: "a1", name: "hoso.zip", entry: "bao-cao.pdf", content: pdf, zip: true}}}, func(t *testing.T, e *Edoc, sink *memSink) {
			if !e.Attachments[0].Raw || !bytes.HasPrefix(sink.blobs[e.Attachments[0].Ref], zipMagic) {
				t.Error("a .zip holding a .pdf should stay a zip")
			}
		}},
		{"a zip wrapped in a zip", testPacket{atts: []testAtt{{refID: "a1", attID: "a1", name: "hoso.zip", entry: "x.zip", content: []byte("inner"), zip: true}}}, func(t *testing.T, e *Edoc, sink *memSink) {
			if e.Attachments[0].Raw || string(sink.blobs[e.Attachments[0].Ref]) != "inner" {
				t.Error("the wrapper of a .zip was not removed")
			}
		}},
		{"date and time forms", testPacket{date: "2024/03/01 14:05:00", dueDate: "15/03/2024", timestamp: "2024-03-01T08:30:00+07:00"}, func(t *testing.T, e *Edoc, _ *memSink) {
			if e.Header.PromulgationInfo.PromulgationDate.Form != FormDateTime || e.Header.DueDate.Form != FormDayFirst || e.Trace.TraceHeader[0].Timestamp.Form != FormRFC3339 {
				t.Errorf("forms %v %v %v", e.Header.PromulgationInfo.PromulgationDate.Form, e.Header.DueDate.Form, e.Trace.TraceHeader[0].Timestamp.Form)
			}
		}},
		{"ISO dates", testPacket{date: "2024-03-01", dueDate: "2024-03-15T17:00:00"}, nil},
		{"empty DueDate", testPacket{dueDate: ""}, func(t *testing.T, e *Edoc, _ *memSink) {
			if !e.Header.DueDate.IsZero() {
				t.Error("empty DueDate is not zero")
			}
		}},
		{"empty XMLDSig Signature", testPacket{signature: `<Signature xmlns="http://www.w3.org/2000/09/xmldsig#"/>`}, func(t *testing.T, e *Edoc, _ *memSink) {
			if e.Signature == "" {
				t.Error("Signature lost")
			}
		}},
		{"empty edXML Signature", testPacket{signature: `<edXML:Signature></edXML:Signature>`}, nil},
		{"Signature without namespace", testPacket{signature: `<Signature xmlns=""/>`}, nil},
		{"type 1", testPacket{typ: "1"}, nil},
		{"type 18", testPacket{typ: "18"}, func(t *testing.T, e *Edoc, _ *memSink) {
			if e.Header.DocumentType.Type != 18 || e.Header.DocumentType.TypeName != "Công văn" {
				t.Errorf("type %+v", e.Header.DocumentType)
			}
		}},
		{"no attachments", testPacket{}, nil},
		{"empty file", testPacket{atts: []testAtt{{refID: "a", attID: "a", name: "rong.txt"}}}, nil},
		{"docx sent raw", testPacket{atts: []testAtt{{refID: "a", attID: "a", name: "to-trinh.docx", content: docxLike(t)}}}, func(t *testing.T, e *Edoc, _ *memSink) {
			if !e.Attachments[0].Raw {
				t.Error("a DOCX was unwrapped")
			}
		}},
		{"unknown header elements", testPacket{header: `<edXML:Direction>false</edXML:Direction><x:Ext xmlns:x="urn:x" x:a="1"><x:y/></x:Ext>`}, func(t *testing.T, e *Edoc, _ *memSink) {
			if len(e.Header.Extra.Elems) != 2 || e.Header.Extra.Elems[0].After != "DocumentId" {
				t.Errorf("extras %+v", e.Header.Extra.Elems)
			}
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			packet := c.p.bytes(t)
			sink := newMemSink()
			e := decode(t, packet, sink)
			if c.check != nil {
				c.check(t, e, sink)
			}
			roundTrip(t, packet)
		})
	}
}

// docxLike is a ZIP with several entries, like an Office file.
func docxLike(t testing.TB) []byte {
	var buf bytes.Buffer
	zw := zipWriter(&buf)
	for _, n := range []string{"[Content_Types].xml", "_rels/.rels", "word/document.xml"} {
		w, err := zw.Create(n)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write([]byte("<x/>")); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestStatusCodes(t *testing.T) {
	codes := []StatusCode{StatusArrived, StatusRefused, StatusAccepted, StatusAssigned, StatusProcessing,
		StatusFinished, StatusRecallRequest, StatusRecallAccepted, StatusRecallRefused}
	for i, code := range codes {
		t.Run(string(code), func(t *testing.T) {
			ts := "2018/09/26 10:12:10"
			if i%2 == 1 {
				ts = "26/09/2018 10:12:10" // the .NET SDK's form
			}
			packet := statusPacket(string(code), ts)
			if k, err := Detect(bytes.NewReader(packet)); err != nil || k != KindStatus {
				t.Fatalf("Detect: %v %v", k, err)
			}
			s1, err := DecodeStatus(context.Background(), bytes.NewReader(packet), DecodeOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if s1.StatusCode != code || s1.From.OrganID != "000.00.00.H41" || s1.StaffInfo.Staff != "Nguyễn Thị Ngọc Trâm" || len(s1.Extra.Elems) != 1 {
				t.Fatalf("decoded %+v", s1)
			}
			var buf bytes.Buffer
			if err := EncodeStatus(&buf, s1); err != nil {
				t.Fatal(err)
			}
			s2, err := DecodeStatus(context.Background(), &buf, DecodeOptions{})
			if err != nil {
				t.Fatalf("re-decoding: %v\n%s", err, buf.String())
			}
			if !reflect.DeepEqual(s1, s2) {
				t.Fatalf("status round trip differs: %s", diffValues(s1, s2))
			}
		})
	}
	// A status is not a document and the reverse.
	if _, err := DecodeEdoc(context.Background(), bytes.NewReader(statusPacket("01", "")), nil, DecodeOptions{}); !isErr(err, ErrNotEdXML) {
		t.Errorf("status decoded as a document: %v", err)
	}
	doc := testPacket{}.bytes(t)
	if _, err := DecodeStatus(context.Background(), bytes.NewReader(doc), DecodeOptions{}); !isErr(err, ErrNotEdXML) {
		t.Errorf("document decoded as a status: %v", err)
	}
	if k, err := Detect(bytes.NewReader(doc)); err != nil || k != KindEdoc {
		t.Errorf("Detect(document) = %v, %v", k, err)
	}
	if _, err := Detect(strings.NewReader(`<edXML xmlns="urn:other"/>`)); !isErr(err, ErrNotEdXML) {
		t.Errorf("Detect of a foreign root: %v", err)
	}
	if err := EncodeStatus(&bytes.Buffer{}, &Status{}); err == nil {
		t.Error("an empty status encodes")
	}
}
