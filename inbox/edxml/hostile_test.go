package edxml

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
)

func zipWriter(w io.Writer) *zip.Writer { return zip.NewWriter(w) }

func isErr(err, target error) bool { return err != nil && errors.Is(err, target) }

// lyingZip is a ZIP whose central directory claims its entry is smaller
// than it is.
func lyingZip(t testing.TB, content []byte, claimed uint32) []byte {
	z := zipBytes(t, "x.pdf", content, zip.Deflate)
	i := bytes.LastIndex(z, []byte("PK\x01\x02"))
	binary.LittleEndian.PutUint32(z[i+24:], claimed)
	return z
}

func manyEntryZip(t testing.TB, n int) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for i := range n {
		w, err := zw.Create(fmt.Sprintf("f%d.txt", i))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write([]byte("x")); err != nil {
			t.Fatal(err)
		}
	}
	zw.Close()
	return buf.Bytes()
}

func TestHostile(t *testing.T) {
	ok := testAtt{refID: "ok", attID: "ok", name: "dau-tien.pdf", content: []byte("%PDF-1.4 hợp lệ"), zip: true}
	att := func(a testAtt) testPacket { return testPacket{atts: []testAtt{ok, a}} }
	valid := testPacket{atts: []testAtt{ok}}.bytes(t)
	laughs := `<?xml version="1.0"?>
<!DOCTYPE edXML [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol9 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<edXML xmlns="` + Namespace + `">&lol9;</edXML>`
	xxe := `<?xml version="1.0"?><!DOCTYPE edXML [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<edXML xmlns="` + Namespace + `">&xxe;</edXML>`
	deep := strings.Repeat("<a>", 10000) + strings.Repeat("</a>", 10000)
	bomb := zipBytes(t, "bomb.pdf", make([]byte, 8<<20), zip.Deflate)
	many := testPacket{}
	for i := range 10000 {
		id := fmt.Sprintf("a%d", i)
		many.atts = append(many.atts, testAtt{refID: id, attID: id, name: id + ".txt", content: []byte("x")})
	}
	cases := []struct {
		name   string
		packet []byte
		lim    Limits
		want   error
	}{
		{"DOCTYPE with an external entity", []byte(xxe), Limits{}, ErrUnsafeXML},
		{"billion laughs", []byte(laughs), Limits{}, ErrUnsafeXML},
		{"entity reference without a DTD", bytes.Replace(valid, []byte("V/v báo cáo"), []byte("&lol9;"), 1), Limits{}, ErrUnsafeXML},
		{"processing instruction", bytes.Replace(valid, []byte("<edXML:edXMLBody>"), []byte("<?php system('id'); ?><edXML:edXMLBody>"), 1), Limits{}, ErrUnsafeXML},
		{"deep nesting", testPacket{header: deep}.bytes(t), Limits{}, ErrLimit},
		{"10 000 attachments", many.bytes(t), Limits{}, ErrLimit},
		{"more attachments than the limit", testPacket{atts: []testAtt{ok, {refID: "b", attID: "b", name: "b.txt"}}}.bytes(t), Limits{MaxAttachments: 1}, ErrLimit},
		{"attachment over the size limit", att(testAtt{refID: "big", attID: "big", name: "lon.bin", content: make([]byte, 5000)}).bytes(t), Limits{MaxAttachmentSize: 4096}, ErrLimit},
		{"zipped file over the size limit", att(testAtt{refID: "big", attID: "big", name: "lon.pdf", content: make([]byte, 5000), zip: true}).bytes(t), Limits{MaxAttachmentSize: 4096}, ErrLimit},
		{"attachments together over the limit", att(testAtt{refID: "b", attID: "b", name: "b.bin", content: make([]byte, 3000)}).bytes(t), Limits{MaxTotalSize: 3000}, ErrLimit},
		{"packet over the size limit", valid, Limits{MaxPacketSize: 1000}, ErrLimit},
		{"header over the size limit", testPacket{header: "<x>" + strings.Repeat("y", 5000) + "</x>"}.bytes(t), Limits{MaxHeaderSize: 4096}, ErrLimit},
		{"too many elements", testPacket{header: strings.Repeat("<a/>", 2000)}.bytes(t), Limits{MaxElements: 1000}, ErrLimit},
		{"large metadata in every attachment", testPacket{atts: []testAtt{
			{refID: "a", attID: "a", name: "a.txt", extra: "<x>" + strings.Repeat("y", 3000) + "</x>"},
			{refID: "b", attID: "b", name: "b.txt", extra: "<x>" + strings.Repeat("y", 3000) + "</x>"},
			{refID: "c", attID: "c", name: "c.txt", extra: "<x>" + strings.Repeat("y", 3000) + "</x>"},
		}}.bytes(t), Limits{MaxHeaderSize: 8192}, ErrLimit},
		{"zip bomb", att(testAtt{refID: "z", attID: "z", name: "Công văn.pdf", b64: base64.StdEncoding.EncodeToString(bomb)}).bytes(t), Limits{}, ErrZipBomb},
		{"zip lying about its size", att(testAtt{refID: "z", attID: "z", name: "x.pdf", b64: base64.StdEncoding.EncodeToString(lyingZip(t, bytes.Repeat([]byte("abc"), 1000), 100))}).bytes(t), Limits{}, ErrZipBomb},
		{"zip with too many entries", att(testAtt{refID: "z", attID: "z", name: "x.pdf", b64: base64.StdEncoding.EncodeToString(manyEntryZip(t, 40))}).bytes(t), Limits{}, ErrZipBomb},
		{"zip wrapper with two files", att(testAtt{refID: "z", attID: "z", name: "x.pdf", b64: base64.StdEncoding.EncodeToString(manyEntryZip(t, 2))}).bytes(t), Limits{}, ErrBadAttachment},
		{"damaged zip wrapper", att(testAtt{refID: "z", attID: "z", name: "x.pdf", b64: base64.StdEncoding.EncodeToString(zipMagic)}).bytes(t), Limits{}, ErrBadAttachment},
		{"name ../x.pdf", att(testAtt{refID: "n", attID: "n", name: "../x.pdf", content: []byte("x")}).bytes(t), Limits{}, ErrUnsafeName},
		{"name /etc/passwd", att(testAtt{refID: "n", attID: "n", name: "/etc/passwd", content: []byte("x")}).bytes(t), Limits{}, ErrUnsafeName},
		{`name C:\x`, att(testAtt{refID: "n", attID: "n", name: `C:\x`, content: []byte("x")}).bytes(t), Limits{}, ErrUnsafeName},
		{"name with a tab", bytes.ReplaceAll(att(testAtt{refID: "n", attID: "n", name: "aTABb.pdf", content: []byte("x")}).bytes(t), []byte("TAB"), []byte("&#9;")), Limits{}, ErrUnsafeName},
		{"name with a C1 control", att(testAtt{refID: "n", attID: "n", name: "a\u0085b.pdf", content: []byte("x")}).bytes(t), Limits{}, ErrUnsafeName},
		{"name reversing its extension", att(testAtt{refID: "n", attID: "n", name: "hoa-don\u202Efdp.exe", content: []byte("x")}).bytes(t), Limits{}, ErrUnsafeName},
		{"name of a device", att(testAtt{refID: "n", attID: "n", name: "CON.pdf", content: []byte("x")}).bytes(t), Limits{}, ErrUnsafeName},
		{"name too long", att(testAtt{refID: "n", attID: "n", name: strings.Repeat("đ", 200) + ".pdf", content: []byte("x")}).bytes(t), Limits{}, ErrUnsafeName},
		{"attachment named ../x.pdf, manifest safe", att(testAtt{refID: "n", attID: "n", name: "../x.pdf", refName: "x.pdf", content: []byte("x")}).bytes(t), Limits{}, ErrUnsafeName},
		{"zipped attachment named /etc/passwd after its content", att(testAtt{refID: "n", attID: "n", name: "/etc/passwd", refName: "passwd", content: []byte("x"), zip: true, nameAfter: true}).bytes(t), Limits{}, ErrUnsafeName},
		{"no name", att(testAtt{refID: "n", attID: "n", name: "", content: []byte("x")}).bytes(t), Limits{}, ErrUnsafeName},
		// NUL cannot appear in XML at all: the tokenizer refuses the packet
		// before the name is looked at.
		{`name a\x00b`, att(testAtt{refID: "n", attID: "n", name: "a\x00b", content: []byte("x")}).bytes(t), Limits{}, ErrNotEdXML},
		{"name a&#0;b", bytes.ReplaceAll(att(testAtt{refID: "n", attID: "n", name: "aNULb", content: []byte("x")}).bytes(t), []byte("NUL"), []byte("&#0;")), Limits{}, ErrNotEdXML},
		{"wrong namespace", testPacket{ns: "http://www.go.vn/eDoc"}.bytes(t), Limits{}, ErrNotEdXML},
		{"wrong root", []byte(`<EdXMLEnvelope xmlns="` + Namespace + `"/>`), Limits{}, ErrNotEdXML},
		{"not XML", []byte("%PDF-1.4"), Limits{}, ErrNotEdXML},
		{"empty", nil, Limits{}, ErrNotEdXML},
		{"UTF-16", append([]byte{0xFF, 0xFE}, valid...), Limits{}, ErrNotEdXML},
		{"truncated in the header", valid[:len(valid)/3], Limits{}, ErrNotEdXML},
		{"truncated in an attachment", truncatedInBase64(t), Limits{}, ErrNotEdXML},
		{"bad base64", att(testAtt{refID: "b", attID: "b", name: "b.pdf", b64: "QUJD@@@@"}).bytes(t), Limits{}, ErrBadAttachment},
		{"base64 after its padding", att(testAtt{refID: "b", attID: "b", name: "b.pdf", b64: "QQ==QUJD"}).bytes(t), Limits{}, ErrBadAttachment},
		{"base64 cut short", att(testAtt{refID: "b", attID: "b", name: "b.pdf", b64: "QUJDR"}).bytes(t), Limits{}, ErrBadAttachment},
		{"manifest lists a missing attachment", testPacket{atts: []testAtt{ok}, extraManifest: []string{"cid:missing"}}.bytes(t), Limits{}, ErrManifest},
		{"attachment not in the manifest", att(testAtt{refID: "x", attID: "x", name: "x.pdf", content: []byte("x"), noManifest: true}).bytes(t), Limits{}, ErrManifest},
		{"two attachments with one content id", testPacket{atts: []testAtt{ok, {refID: "ok2", attID: "ok", name: "b.pdf", content: []byte("b")}}}.bytes(t), Limits{}, ErrManifest},
		{"no AttachmentEncoded", testPacket{atts: []testAtt{ok}, noAttachEncode: true}.bytes(t), Limits{}, ErrManifest},
		{"no DocumentId", bytes.Replace(valid, []byte("<edXML:DocumentId>000.00.00.H41,2024/03/01,12/UBND-VP</edXML:DocumentId>"), nil, 1), Limits{}, ErrNotEdXML},
		{"no From", bytes.Replace(valid, []byte("<edXML:OrganId>000.00.00.H41</edXML:OrganId><edXML:OrganName>UBND Tỉnh Nghệ An</edXML:OrganName>"), nil, 1), Limits{}, ErrNotEdXML},
		{"no MessageHeader", []byte(`<edXML xmlns="` + Namespace + `"><edXMLEnvelope><edXMLHeader/></edXMLEnvelope></edXML>`), Limits{}, ErrNotEdXML},
		{"two subjects", testPacket{header: "<edXML:Subject>hai</edXML:Subject>"}.bytes(t), Limits{}, ErrNotEdXML},
		{"bad date", testPacket{dueDate: "31/31/2024"}.bytes(t), Limits{}, ErrNotEdXML},
		{"bad priority", testPacket{header: "<edXML:OtherInfo><edXML:Priority>9</edXML:Priority></edXML:OtherInfo>"}.bytes(t), Limits{}, ErrNotEdXML},
		{"mismatched tags", bytes.Replace(valid, []byte("</edXML:Subject>"), []byte("</edXML:Subjec>"), 1), Limits{}, ErrNotEdXML},
		{"undeclared prefix", bytes.Replace(valid, []byte("<edXML:Subject>"), []byte("<foo:Subject>"), 1), Limits{}, ErrNotEdXML},
		{"content after the root", append(append([]byte(nil), valid...), "<edXML/>"...), Limits{}, ErrNotEdXML},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			sink := newMemSink()
			_, err := DecodeEdoc(context.Background(), bytes.NewReader(c.packet), sink, DecodeOptions{Limits: c.lim, TempDir: t.TempDir()})
			if !isErr(err, c.want) || !errors.Is(err, ErrBadPacket) {
				t.Fatalf("got %v, want %v", err, c.want)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("error spans lines: %q", err)
			}
			if n := sink.liveCount(); n != 0 {
				t.Errorf("%d files left in the sink after %d puts", n, len(sink.puts))
			}
			t.Log(err)
		})
	}
}

func truncatedInBase64(t testing.TB) []byte {
	p := testPacket{atts: []testAtt{{refID: "a", attID: "a", name: "a.bin", content: bytes.Repeat([]byte("0123456789"), 1000)}}}.bytes(t)
	return p[:bytes.Index(p, []byte("<ContentTransferEncoded>"))+500]
}

func TestSinkFailure(t *testing.T) {
	p := testPacket{atts: []testAtt{
		{refID: "a", attID: "a", name: "a.pdf", content: []byte("a"), zip: true},
		{refID: "b", attID: "b", name: "b.pdf", content: []byte("b")},
	}}.bytes(t)
	sink := newMemSink()
	sink.failAt = 2
	_, err := DecodeEdoc(context.Background(), bytes.NewReader(p), sink, DecodeOptions{TempDir: t.TempDir()})
	if err == nil || errors.Is(err, ErrBadPacket) || !strings.Contains(err.Error(), "disk full") {
		t.Fatalf("got %v; want the sink's error, not a packet fault", err)
	}
	if sink.liveCount() != 0 || sink.discards != 1 {
		t.Errorf("live %d, discards %d", sink.liveCount(), sink.discards)
	}
}

func TestCancelled(t *testing.T) {
	p := testPacket{atts: []testAtt{{refID: "a", attID: "a", name: "a.pdf", content: []byte("a")}}}.bytes(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := DecodeEdoc(ctx, bytes.NewReader(p), newMemSink(), DecodeOptions{})
	if !errors.Is(err, context.Canceled) || errors.Is(err, ErrBadPacket) {
		t.Fatalf("got %v", err)
	}
}

// errReader fails after n bytes like a broken connection.
type errReader struct {
	r io.Reader
	n int
}

func (e *errReader) Read(p []byte) (int, error) {
	if e.n <= 0 {
		return 0, errors.New("connection reset")
	}
	p = p[:min(len(p), e.n)]
	n, err := e.r.Read(p)
	e.n -= n
	return n, err
}

func TestReadErrorIsNotAPacketFault(t *testing.T) {
	p := testPacket{atts: []testAtt{{refID: "a", attID: "a", name: "a.bin", content: make([]byte, 10000)}}}.bytes(t)
	sink := newMemSink()
	_, err := DecodeEdoc(context.Background(), &errReader{bytes.NewReader(p), len(p) - 100}, sink, DecodeOptions{})
	if err == nil || errors.Is(err, ErrBadPacket) || !strings.Contains(err.Error(), "connection reset") {
		t.Fatalf("got %v", err)
	}
	if sink.liveCount() != 0 {
		t.Error("a file was left in the sink")
	}
}
