package edxml

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"hash"
	"hash/crc32"
	"io"
	"math/rand/v2"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"
	"time"
)

// hashSink keeps only a digest of each file, as a content-addressed store
// would compute it.
type hashSink struct {
	sums map[string][]byte
}

func (h *hashSink) Put(ctx context.Context, att AttachmentInfo, r io.Reader) (AttachmentRef, error) {
	d := sha256.New()
	if _, err := io.Copy(d, r); err != nil {
		return "", err
	}
	h.sums[att.Name] = d.Sum(nil)
	return AttachmentRef(fmt.Sprintf("%x", h.sums[att.Name])), nil
}

func (h *hashSink) Discard(ctx context.Context, ref AttachmentRef) error { return nil }

// b64Blocks produces the base64 text of a large file cheaply, even under
// the race detector: one random block is encoded once, and each copy of it
// differs only by its first 8 characters, which stamp the copy's number.
type b64Blocks struct {
	raw  []byte // the block's bytes (a multiple of 3)
	text []byte // their base64 encoding
}

const blockBytes = 3 << 18 // 768 KiB, encoded as 1 MiB of text

func newB64Blocks(seed uint64) *b64Blocks {
	raw := make([]byte, blockBytes)
	r := rand.New(rand.NewPCG(seed, seed))
	for i := 0; i < len(raw); i += 8 {
		binary.LittleEndian.PutUint64(raw[i:], r.Uint64())
	}
	return &b64Blocks{raw: raw, text: []byte(base64.StdEncoding.EncodeToString(raw))}
}

// stamp returns the first 6 bytes of copy i and their 8-character encoding.
func stamp(i int) ([]byte, []byte) {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], uint64(i)+1)
	return b[2:], []byte(base64.StdEncoding.EncodeToString(b[2:]))
}

// write writes n copies of the block as base64 (the writer may break
// lines) and feeds the file's bytes to h and, if set, to crc.
func (b *b64Blocks) write(w io.Writer, n int, h hash.Hash) error {
	for i := range n {
		raw, text := stamp(i)
		h.Write(raw)
		h.Write(b.raw[6:])
		if _, err := w.Write(text); err != nil {
			return err
		}
		if _, err := w.Write(b.text[8:]); err != nil {
			return err
		}
	}
	return nil
}

func (b *b64Blocks) crc(n int) uint32 {
	var c uint32
	for i := range n {
		raw, _ := stamp(i)
		c = crc32.Update(c, crc32.IEEETable, raw)
		c = crc32.Update(c, crc32.IEEETable, b.raw[6:])
	}
	return c
}

// writeLargePacket writes a packet with a raw file of rawBlocks blocks and
// a stored-ZIP-wrapped one of zipBlocks blocks, streaming; it returns the
// files' digests. The ZIP is written by hand so that its data starts on a
// base64 boundary.
func writeLargePacket(w io.Writer, rawBlocks, zipBlocks int) (map[string][]byte, error) {
	p := testPacket{atts: []testAtt{
		{refID: "cid:raw", attID: "raw", name: "Hồ sơ quét.tif", b64: "@RAW@"},
		{refID: "cid:zip", attID: "zip", name: "Công văn.pdf", b64: "@ZIP@"},
	}}
	tmpl := string(p.bytes(&testing.T{}))
	before, rest, _ := strings.Cut(tmpl, "@RAW@")
	middle, after, _ := strings.Cut(rest, "@ZIP@")
	blocks := newB64Blocks(1)
	sums := map[string][]byte{}
	lw := &lineWriter{w: w, width: 76}

	if _, err := io.WriteString(w, before); err != nil {
		return nil, err
	}
	h := sha256.New()
	if err := blocks.write(lw, rawBlocks, h); err != nil {
		return nil, err
	}
	sums["Hồ sơ quét.tif"] = h.Sum(nil)
	if _, err := io.WriteString(w, middle); err != nil {
		return nil, err
	}

	name := []byte("cong-van.pdf")
	for (30+len(name))%3 != 0 {
		name = append([]byte("_"), name...)
	}
	size := uint32(zipBlocks * blockBytes)
	crc := blocks.crc(zipBlocks)
	le := binary.LittleEndian
	local := make([]byte, 30, 30+len(name))
	le.PutUint32(local[0:], 0x04034b50)
	le.PutUint16(local[4:], 20)
	le.PutUint32(local[14:], crc)
	le.PutUint32(local[18:], size)
	le.PutUint32(local[22:], size)
	le.PutUint16(local[26:], uint16(len(name)))
	local = append(local, name...)
	central := make([]byte, 46, 46+len(name)+22)
	le.PutUint32(central[0:], 0x02014b50)
	le.PutUint16(central[4:], 20)
	le.PutUint16(central[6:], 20)
	le.PutUint32(central[16:], crc)
	le.PutUint32(central[20:], size)
	le.PutUint32(central[24:], size)
	le.PutUint16(central[28:], uint16(len(name)))
	central = append(central, name...)
	cdSize := len(central)
	eocd := make([]byte, 22)
	le.PutUint32(eocd[0:], 0x06054b50)
	le.PutUint16(eocd[8:], 1)
	le.PutUint16(eocd[10:], 1)
	le.PutUint32(eocd[12:], uint32(cdSize))
	le.PutUint32(eocd[16:], uint32(len(local))+size)
	central = append(central, eocd...)

	if _, err := lw.Write([]byte(base64.StdEncoding.EncodeToString(local))); err != nil {
		return nil, err
	}
	h = sha256.New()
	if err := blocks.write(lw, zipBlocks, h); err != nil {
		return nil, err
	}
	sums["Công văn.pdf"] = h.Sum(nil)
	if _, err := lw.Write([]byte(base64.StdEncoding.EncodeToString(central))); err != nil {
		return nil, err
	}
	_, err := io.WriteString(w, after)
	return sums, err
}

// resetPeak starts a memory measurement. On Linux the peak resident set
// (VmHWM) is reset (Linux ≥ 4.0); elsewhere the memory the Go runtime
// obtained from the system, which never shrinks, stands in for it.
func resetPeak(t testing.TB) int64 {
	debug.FreeOSMemory()
	if runtime.GOOS == "linux" {
		if err := os.WriteFile("/proc/self/clear_refs", []byte("5"), 0); err != nil {
			t.Fatalf("resetting VmHWM: %v", err)
		}
	}
	return peakRSS(t)
}

// peakRSS reads the process's peak resident set (VmHWM) in bytes.
func peakRSS(t testing.TB) int64 {
	if runtime.GOOS != "linux" {
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		return int64(ms.Sys)
	}
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			return kb << 10
		}
	}
	t.Fatal("no VmHWM in /proc/self/status")
	return 0
}

// TestStreamingLarge decodes a 200 MB packet (20 MB with -short) generated
// on the fly, and checks that memory stays far below the packet's size.
func TestStreamingLarge(t *testing.T) {
	total := int64(200 << 20)
	if testing.Short() {
		total = 20 << 20
	}
	// Base64 makes 4 bytes of 3, plus line ends: split the files, 55% raw
	// and 45% ZIP-wrapped, so that the packet is about total bytes.
	blocks := int(total * 76 / 77 / (blockBytes * 4 / 3))
	rawBlocks, zipBlocks := blocks*55/100, blocks-blocks*55/100
	raw, zipped := int64(rawBlocks*blockBytes), int64(zipBlocks*blockBytes)

	// Earlier tests must not count.
	base := resetPeak(t)

	pr, pw := io.Pipe()
	counter := &countWriter{w: pw}
	type result struct {
		sums map[string][]byte
		err  error
	}
	gen := make(chan result, 1)
	go func() {
		bw := bufio.NewWriterSize(counter, 64<<10)
		sums, err := writeLargePacket(bw, rawBlocks, zipBlocks)
		if err == nil {
			err = bw.Flush()
		}
		pw.CloseWithError(err)
		gen <- result{sums, err}
	}()
	sink := &hashSink{sums: map[string][]byte{}}
	start := time.Now()
	e, err := DecodeEdoc(context.Background(), pr, sink, DecodeOptions{TempDir: t.TempDir()})
	elapsed := time.Since(start)
	pr.Close()
	g := <-gen
	if err != nil {
		t.Fatalf("DecodeEdoc: %v", err)
	}
	if g.err != nil {
		t.Fatalf("generating: %v", g.err)
	}
	peak := peakRSS(t)
	for name, want := range g.sums {
		if !bytes.Equal(sink.sums[name], want) {
			t.Errorf("%s: the sink got different bytes", name)
		}
	}
	if len(e.Attachments) != 2 || e.Attachments[0].Size != raw || e.Attachments[1].Size != zipped || !e.Attachments[0].Raw || e.Attachments[1].Raw {
		t.Errorf("attachments %+v", e.Attachments)
	}
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	t.Logf("packet %.1f MB decoded in %v (%.0f MB/s); peak RSS %.1f MB (%.1f MB before); heap in use %.1f MB",
		float64(counter.n)/1e6, elapsed.Round(time.Millisecond), float64(counter.n)/1e6/elapsed.Seconds(),
		float64(peak)/1e6, float64(base)/1e6, float64(ms.HeapInuse)/1e6)
	// The race detector's shadow memory inflates the process; there only
	// the growth during the decode is checked.
	limit, grown := int64(64<<20), peak
	if raceEnabled {
		grown = peak - base
	}
	if grown > limit {
		t.Errorf("peak RSS %.1f MB (%.1f MB before) for a %.0f MB packet; want below %d MB", float64(peak)/1e6, float64(base)/1e6, float64(counter.n)/1e6, limit>>20)
	}
}

type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// sizedSource serves pseudo-random files of the sizes named.
type sizedSource map[string]int64

func (s sizedSource) Open(ctx context.Context, att *Attachment) (io.ReadCloser, error) {
	n, ok := s[att.Name]
	if !ok {
		return nil, fmt.Errorf("no file %q", att.Name)
	}
	return io.NopCloser(&randReader{r: rand.New(rand.NewPCG(uint64(n), 7)), n: n}), nil
}

type randReader struct {
	r *rand.Rand
	n int64
}

func (r *randReader) Read(p []byte) (int, error) {
	if r.n <= 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > r.n {
		p = p[:r.n]
	}
	var w [8]byte
	for i := 0; i < len(p); i += 8 {
		binary.LittleEndian.PutUint64(w[:], r.r.Uint64())
		copy(p[i:], w[:])
	}
	r.n -= int64(len(p))
	return len(p), nil
}

// TestStreamingEncodeSignVerify encodes and signs a large packet from a
// Source, decodes it through a pipe and verifies its signature from a
// file: memory stays flat on every side.
func TestStreamingEncodeSignVerify(t *testing.T) {
	rawSize, zipSize := int64(40<<20), int64(8<<20)
	switch {
	case testing.Short():
		rawSize, zipSize = 4<<20, 1<<20
	case raceEnabled:
		// Deflate and canonicalisation are slow under the race detector;
		// TestStreamingLarge keeps its full size there.
		rawSize, zipSize = 8<<20, 2<<20
	}
	ec, _ := testPKIs(t)
	e := &Edoc{
		Header: MessageHeader{
			From:       Organization{OrganID: "000.00.00.H41", OrganName: "UBND Tỉnh Nghệ An"},
			To:         []Organization{{OrganID: "000.00.00.G22"}},
			DocumentID: "000.00.00.H41,2024/03/01,12/UBND-VP",
			Subject:    "Hồ sơ quét khổ lớn",
		},
		Attachments: []Attachment{
			{Name: "Hồ sơ quét.tif", Raw: true},
			{Name: "Công văn.pdf"},
		},
	}
	src := sizedSource{"Hồ sơ quét.tif": rawSize, "Công văn.pdf": zipSize}
	dir := t.TempDir()
	path := dir + "/signed.edxml"
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	base := resetPeak(t)
	start := time.Now()
	// Encode (signed) into a pipe that a decoder reads, and into a file.
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		err := EncodeEdoc(context.Background(), io.MultiWriter(pw, f), e, src, EncodeOptions{Signer: ec.leader.Key, Certificates: ec.leader.Chain, TempDir: dir})
		pw.CloseWithError(err)
		done <- err
	}()
	sink := &hashSink{sums: map[string][]byte{}}
	got, derr := DecodeEdoc(context.Background(), pr, sink, DecodeOptions{TempDir: dir})
	pr.Close()
	if err := <-done; err != nil {
		t.Fatalf("EncodeEdoc: %v", err)
	}
	if derr != nil {
		t.Fatalf("DecodeEdoc: %v", derr)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	encoded := time.Since(start)
	for name, size := range src {
		r, _ := src.Open(context.Background(), &Attachment{Name: name})
		h := sha256.New()
		if _, err := io.Copy(h, r); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(h.Sum(nil), sink.sums[name]) {
			t.Errorf("%s (%d bytes) came back different", name, size)
		}
	}
	if got.Signature == "" || got.Attachments[1].Raw {
		t.Errorf("decoded: signature %d bytes, attachment 2 raw %v", len(got.Signature), got.Attachments[1].Raw)
	}
	start = time.Now()
	rf, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer rf.Close()
	res, err := VerifySignature(rf)
	if err != nil || !res.Valid {
		t.Fatalf("VerifySignature: %+v %v", res, err)
	}
	verified := time.Since(start)
	st, _ := rf.Stat()
	peak := peakRSS(t)
	t.Logf("%.1f MB packet: signed, encoded and decoded in %v, verified in %v; peak RSS %.1f MB (%.1f MB before)",
		float64(st.Size())/1e6, encoded.Round(time.Millisecond), verified.Round(time.Millisecond), float64(peak)/1e6, float64(base)/1e6)
	limit, grown := int64(64<<20), peak
	if raceEnabled {
		grown = peak - base
	}
	if grown > limit {
		t.Errorf("peak RSS %.1f MB; want below %d MB", float64(peak)/1e6, limit>>20)
	}
}
