package edxml

import (
	"bytes"
	"context"
	"errors"
	"reflect"
	"testing"
)

// fuzzLimits keep a fuzz run fast; they do not change the code paths.
var fuzzLimits = Limits{
	MaxPacketSize:     1 << 20,
	MaxHeaderSize:     256 << 10,
	MaxAttachments:    20,
	MaxAttachmentSize: 1 << 20,
	MaxTotalSize:      2 << 20,
}

func edocSeeds(f *testing.F) {
	f.Add(readTestdata(f, "full.edxml"))
	pdf := []byte("%PDF-1.4 nội dung")
	for _, p := range []testPacket{
		{},
		{atts: []testAtt{{refID: "cid:a", attID: "a", name: "a.pdf", content: pdf, zip: true}}},
		{atts: []testAtt{{refID: "a", attID: "cid:a", name: "b.txt", content: []byte("raw"), nameAfter: true}}},
		{atts: []testAtt{{refID: "a", attID: "a", name: "h.zip", entry: "x.zip", content: pdf, zip: true}}},
		{atts: []testAtt{{refID: "a", attID: "a", name: "d.docx", content: docxLike(f)}}},
		{date: "2024/03/01 14:05:00", dueDate: "15/03/2024", timestamp: "2024-03-01T08:30:00+07:00"},
		{typ: "18", signature: `<Signature xmlns="http://www.w3.org/2000/09/xmldsig#"/>`},
		{header: `<edXML:Direction>false</edXML:Direction><x:Ext xmlns:x="urn:x" x:a="1"><x:y/>t&amp;</x:Ext>`},
		{atts: []testAtt{{refID: "b", attID: "b", name: "b.pdf", b64: "QQ==QUJD"}}},
	} {
		f.Add(p.bytes(f))
	}
}

func FuzzDecodeEdoc(f *testing.F) {
	edocSeeds(f)
	ec, _ := testPKIs(f)
	signed, _, _ := signedFull(f, ec)
	f.Add(signed)
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		ctx := context.Background()
		sink := newMemSink()
		opts := DecodeOptions{Limits: fuzzLimits, TempDir: dir}
		e, err := DecodeEdoc(ctx, bytes.NewReader(data), sink, opts)
		if err != nil {
			if !errors.Is(err, ErrBadPacket) {
				t.Fatalf("not a packet fault: %v", err)
			}
			if sink.liveCount() != 0 {
				t.Fatalf("%d files left in the sink after %v", sink.liveCount(), err)
			}
			return
		}
		var buf bytes.Buffer
		if err := EncodeEdoc(ctx, &buf, e, sink, EncodeOptions{}); err != nil {
			t.Fatalf("a decoded packet does not encode: %v", err)
		}
		e2, err := DecodeEdoc(ctx, bytes.NewReader(buf.Bytes()), sink, opts)
		if err != nil {
			t.Fatalf("the re-encoded packet does not decode: %v\n%s", err, buf.Bytes())
		}
		if !reflect.DeepEqual(e, e2) {
			t.Fatalf("decode → encode → decode differs: %s\n%s", diffValues(e, e2), buf.Bytes())
		}
		// Whatever decodes can be checked for a signature without panic.
		if _, err := VerifySignature(bytes.NewReader(data)); err != nil && !errors.Is(err, ErrBadPacket) {
			t.Fatalf("VerifySignature: %v", err)
		}
	})
}

func FuzzDecodeStatus(f *testing.F) {
	for _, c := range []string{"01", "02", "03", "04", "05", "06", "13", "15", "16"} {
		f.Add(statusPacket(c, "2018/09/26 10:12:10"))
	}
	f.Add(statusPacket("02", "26/09/2018 10:12:10"))
	f.Add([]byte(`<edXML xmlns="` + Namespace + `"><edXMLEnvelope><edXMLHeader><Status><ResponseFor><DocumentId>x</DocumentId></ResponseFor><From><OrganId>y</OrganId></From><StatusCode>01</StatusCode></Status></edXMLHeader></edXMLEnvelope></edXML>`))
	f.Fuzz(func(t *testing.T, data []byte) {
		ctx := context.Background()
		opts := DecodeOptions{Limits: fuzzLimits}
		s, err := DecodeStatus(ctx, bytes.NewReader(data), opts)
		if err != nil {
			if !errors.Is(err, ErrBadPacket) {
				t.Fatalf("not a packet fault: %v", err)
			}
			return
		}
		var buf bytes.Buffer
		if err := EncodeStatus(&buf, s); err != nil {
			t.Fatalf("a decoded status does not encode: %v", err)
		}
		s2, err := DecodeStatus(ctx, &buf, opts)
		if err != nil {
			t.Fatalf("the re-encoded status does not decode: %v\n%s", err, buf.Bytes())
		}
		if !reflect.DeepEqual(s, s2) {
			t.Fatalf("decode → encode → decode differs: %s", diffValues(s, s2))
		}
		if k, err := Detect(bytes.NewReader(data)); err != nil || k != KindStatus {
			t.Fatalf("Detect = %v, %v for a status that decodes", k, err)
		}
	})
}
