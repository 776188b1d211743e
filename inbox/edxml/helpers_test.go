package edxml

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"sync"
	"testing"
)

// memSink is a content-addressed in-memory store that records every Put
// and Discard. It is also the Source for re-encoding what it stored.
type memSink struct {
	mu       sync.Mutex
	blobs    map[AttachmentRef][]byte
	live     map[AttachmentRef]int // Puts not discarded
	puts     []AttachmentInfo
	discards int
	// failAt makes the n-th Put (1-based) fail after reading half.
	failAt int
}

func newMemSink() *memSink {
	return &memSink{blobs: map[AttachmentRef][]byte{}, live: map[AttachmentRef]int{}}
}

func (m *memSink) Put(ctx context.Context, att AttachmentInfo, r io.Reader) (AttachmentRef, error) {
	m.mu.Lock()
	m.puts = append(m.puts, att)
	n := len(m.puts)
	m.mu.Unlock()
	if m.failAt == n {
		_, _ = io.CopyN(io.Discard, r, 10)
		return "", errors.New("disk full")
	}
	b, err := io.ReadAll(r)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(b)
	ref := AttachmentRef(hex.EncodeToString(sum[:]))
	m.mu.Lock()
	defer m.mu.Unlock()
	m.blobs[ref] = b
	m.live[ref]++
	return ref, nil
}

func (m *memSink) Discard(ctx context.Context, ref AttachmentRef) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.discards++
	if m.live[ref] == 0 {
		return fmt.Errorf("discard of unknown ref %s", ref)
	}
	m.live[ref]--
	if m.live[ref] == 0 {
		delete(m.live, ref)
	}
	return nil
}

func (m *memSink) liveCount() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	n := 0
	for _, c := range m.live {
		n += c
	}
	return n
}

func (m *memSink) Open(ctx context.Context, att *Attachment) (io.ReadCloser, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	b, ok := m.blobs[att.Ref]
	if !ok {
		return nil, fmt.Errorf("no blob for %q", att.Name)
	}
	return io.NopCloser(bytes.NewReader(b)), nil
}

// mapSource serves attachment bytes by name.
type mapSource map[string][]byte

func (s mapSource) Open(ctx context.Context, att *Attachment) (io.ReadCloser, error) {
	b, ok := s[att.Name]
	if !ok {
		return nil, fmt.Errorf("no content for %q", att.Name)
	}
	return io.NopCloser(bytes.NewReader(b)), nil
}

func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func decode(t testing.TB, packet []byte, sink *memSink) *Edoc {
	t.Helper()
	e, err := DecodeEdoc(context.Background(), bytes.NewReader(packet), sink, DecodeOptions{TempDir: t.TempDir()})
	if err != nil {
		t.Fatalf("DecodeEdoc: %v", err)
	}
	return e
}

func encode(t testing.TB, e *Edoc, src Source, opts EncodeOptions) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := EncodeEdoc(context.Background(), &buf, e, src, opts); err != nil {
		t.Fatalf("EncodeEdoc: %v", err)
	}
	return buf.Bytes()
}

// roundTrip decodes packet, encodes the result and decodes it again; the
// two decoded values must be equal.
func roundTrip(t testing.TB, packet []byte) (*Edoc, []byte) {
	t.Helper()
	sink := newMemSink()
	e1 := decode(t, packet, sink)
	out := encode(t, e1, sink, EncodeOptions{})
	e2 := decode(t, out, sink)
	if !reflect.DeepEqual(e1, e2) {
		t.Fatalf("decode → encode → decode differs:\n%s", diffValues(e1, e2))
	}
	return e1, out
}

// diffValues names the first fields that differ.
func diffValues(a, b any) string {
	var out []string
	var walk func(path string, x, y reflect.Value)
	walk = func(path string, x, y reflect.Value) {
		if len(out) > 10 {
			return
		}
		if x.Kind() != y.Kind() {
			out = append(out, path+": kinds differ")
			return
		}
		switch x.Kind() {
		case reflect.Pointer:
			if x.IsNil() || y.IsNil() {
				if x.IsNil() != y.IsNil() {
					out = append(out, fmt.Sprintf("%s: nil %v vs %v", path, x.IsNil(), y.IsNil()))
				}
				return
			}
			walk(path, x.Elem(), y.Elem())
		case reflect.Struct:
			if x.Type().String() == "time.Time" {
				if !reflect.DeepEqual(x.Interface(), y.Interface()) {
					out = append(out, fmt.Sprintf("%s: %v vs %v", path, x.Interface(), y.Interface()))
				}
				return
			}
			for i := range x.NumField() {
				if !x.Type().Field(i).IsExported() {
					continue
				}
				walk(path+"."+x.Type().Field(i).Name, x.Field(i), y.Field(i))
			}
		case reflect.Slice:
			if x.Len() != y.Len() {
				out = append(out, fmt.Sprintf("%s: len %d vs %d", path, x.Len(), y.Len()))
				return
			}
			if x.IsNil() != y.IsNil() {
				out = append(out, fmt.Sprintf("%s: nil slice %v vs %v", path, x.IsNil(), y.IsNil()))
			}
			for i := range x.Len() {
				walk(fmt.Sprintf("%s[%d]", path, i), x.Index(i), y.Index(i))
			}
		default:
			if !reflect.DeepEqual(x.Interface(), y.Interface()) {
				out = append(out, fmt.Sprintf("%s: %#v vs %#v", path, x.Interface(), y.Interface()))
			}
		}
	}
	walk("", reflect.ValueOf(a), reflect.ValueOf(b))
	return fmt.Sprint(out)
}

// needTool fails the test when an oracle tool is missing.
func needTool(t testing.TB, tool, pkg string) {
	t.Helper()
	if _, err := exec.LookPath(tool); err != nil {
		t.Fatalf("%s not found: install the Debian package %s (make deps)", tool, pkg)
	}
}
