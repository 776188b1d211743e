package inbox

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestPutBlobLayout(t *testing.T) {
	f := newFixture(t)
	content := "%PDF-1.7 công văn"
	sum := sha256.Sum256([]byte(content))
	want := hex.EncodeToString(sum[:])
	b := f.blob(t, content)
	if b.SHA256 != want || b.Size != int64(len(content)) {
		t.Fatalf("PutBlob: got %+v, want %s/%d", b, want, len(content))
	}
	path := filepath.Join(f.dir, "blobs", want[:2], want)
	info, err := os.Stat(path)
	if err != nil {
		t.Fatalf("blob not at blobs/%s/%s: %v", want[:2], want, err)
	}
	if info.Mode().Perm() != 0o400 {
		t.Errorf("blob mode %v, want read-only 0400", info.Mode().Perm())
	}
	got, err := f.readBlob(t, want)
	if err != nil || string(got) != content {
		t.Errorf("OpenBlob: got %q %v", got, err)
	}
	// Storing the same bytes again is the same blob, and refreshes its time.
	old := time.Now().Add(-48 * time.Hour)
	if err := os.Chtimes(path, old, old); err != nil {
		t.Fatal(err)
	}
	if again := f.blob(t, content); again != b {
		t.Errorf("second PutBlob: got %+v, want %+v", again, b)
	}
	if info, _ := os.Stat(path); info.ModTime().Before(time.Now().Add(-time.Hour)) {
		t.Error("storing existing bytes did not refresh the blob's time")
	}
	assertNoTempFiles(t, f)
	if _, err := f.s.OpenBlob("../../etc/passwd"); !errors.Is(err, ErrInvalid) {
		t.Errorf("OpenBlob of a path: got %v, want ErrInvalid", err)
	}
	if _, err := f.s.OpenBlob(strings.Repeat("0", 64)); !errors.Is(err, ErrNotFound) {
		t.Errorf("OpenBlob of a missing blob: got %v, want ErrNotFound", err)
	}
}

func assertNoTempFiles(t *testing.T, f *fixture) {
	t.Helper()
	entries, err := os.ReadDir(filepath.Join(f.dir, "blobs"))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), tempBlobPrefix) {
			t.Errorf("temporary file %s left behind", e.Name())
		}
	}
}

type failingReader struct{ n int }

func (r *failingReader) Read(p []byte) (int, error) {
	if r.n > 0 {
		r.n--
		return copy(p, "some bytes"), nil
	}
	return 0, errors.New("disk unplugged")
}

func TestPutBlobFailureLeavesNothing(t *testing.T) {
	f := newFixture(t)
	if _, err := f.s.PutBlob(f.ctx, &failingReader{n: 3}); err == nil {
		t.Fatal("PutBlob from a failing reader succeeded")
	}
	ctx, cancel := context.WithCancel(f.ctx)
	cancel()
	if _, err := f.s.PutBlob(ctx, strings.NewReader("x")); !errors.Is(err, context.Canceled) {
		t.Errorf("PutBlob with a cancelled context: got %v", err)
	}
	assertNoTempFiles(t, f)
	var files int
	_ = filepath.WalkDir(filepath.Join(f.dir, "blobs"), func(_ string, d os.DirEntry, _ error) error {
		if !d.IsDir() {
			files++
		}
		return nil
	})
	if files != 0 {
		t.Errorf("%d files left by failed PutBlobs", files)
	}
}

func corrupt(t *testing.T, f *fixture, sha string, content string) {
	t.Helper()
	path := filepath.Join(f.dir, "blobs", sha[:2], sha)
	if err := os.Chmod(path, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestCorruptBlobDetected(t *testing.T) {
	f := newFixture(t)
	good := f.attachment(t, "good.pdf", "good bytes", "")
	flipped := f.attachment(t, "flipped.pdf", "original bytes", "")
	short := f.attachment(t, "short.pdf", "a longer original", "")
	gone := f.attachment(t, "gone.pdf", "will be deleted", "")
	f.insert(t, f.incoming("Có tệp hỏng"), good, flipped, short, gone)

	corrupt(t, f, flipped.Blob.SHA256, "0riginal bytes") // same size
	corrupt(t, f, short.Blob.SHA256, "short")
	if err := os.Remove(filepath.Join(f.dir, "blobs", gone.Blob.SHA256[:2], gone.Blob.SHA256)); err != nil {
		t.Fatal(err)
	}

	got, err := f.readBlob(t, flipped.Blob.SHA256)
	if !errors.Is(err, ErrCorruptBlob) {
		t.Errorf("reading a corrupted blob: got %v, want ErrCorruptBlob", err)
	}
	if string(got) != "0riginal bytes" {
		t.Errorf("bytes before the error: %q", got)
	}
	if _, err := f.readBlob(t, good.Blob.SHA256); err != nil {
		t.Errorf("reading a good blob: %v", err)
	}

	rep, err := f.s.Check(f.ctx, CheckOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.OK() || rep.Blobs != 4 || !sameSet(rep.CorruptBlobs, flipped.Blob.SHA256, short.Blob.SHA256) ||
		!sameSet(rep.MissingBlobs, gone.Blob.SHA256) || !rep.Audit.OK || len(rep.Integrity) != 0 {
		t.Errorf("Check: %+v", rep)
	}
	// Without hashing, only the size betrays a corrupted blob.
	rep, err = f.s.Check(f.ctx, CheckOptions{SkipHash: true})
	if err != nil {
		t.Fatal(err)
	}
	if !sameSet(rep.CorruptBlobs, short.Blob.SHA256) || !sameSet(rep.MissingBlobs, gone.Blob.SHA256) {
		t.Errorf("Check without hashing: %+v", rep)
	}
}

func sameSet(got []string, want ...string) bool {
	if len(got) != len(want) {
		return false
	}
	m := map[string]bool{}
	for _, g := range got {
		m[g] = true
	}
	for _, w := range want {
		if !m[w] {
			return false
		}
	}
	return true
}

func TestGCKeepsReferencedAndRecentBlobs(t *testing.T) {
	f := newFixture(t)
	used := f.attachment(t, "used.pdf", "referenced", "")
	f.insert(t, f.incoming("Giữ tệp"), used)
	orphanOld := f.blob(t, "orphan, old")
	orphanNew := f.blob(t, "orphan, written by an import still running")
	old := time.Now().Add(-2 * time.Hour)
	for _, sha := range []string{used.Blob.SHA256, orphanOld.SHA256} {
		if err := os.Chtimes(filepath.Join(f.dir, "blobs", sha[:2], sha), old, old); err != nil {
			t.Fatal(err)
		}
	}
	tmp := filepath.Join(f.dir, "blobs", tempBlobPrefix+"abandoned")
	if err := os.WriteFile(tmp, []byte("half a file"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(tmp, old, old); err != nil {
		t.Fatal(err)
	}

	rep, err := f.s.GC(f.ctx, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Deleted != 2 || rep.Bytes != orphanOld.Size+int64(len("half a file")) {
		t.Errorf("GC: got %+v, want the old orphan and the temporary file", rep)
	}
	for _, b := range []Blob{used.Blob, orphanNew} {
		if _, err := f.readBlob(t, b.SHA256); err != nil {
			t.Errorf("GC removed a blob it must keep: %v", err)
		}
	}
	if _, err := f.readBlob(t, orphanOld.SHA256); !errors.Is(err, ErrNotFound) {
		t.Errorf("old orphan: got %v, want ErrNotFound", err)
	}
	if _, err := os.Stat(tmp); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("abandoned temporary file still there: %v", err)
	}
	// With no grace, the new orphan goes too; the referenced blob stays.
	if rep, err := f.s.GC(f.ctx, 0); err != nil || rep.Deleted != 1 {
		t.Errorf("GC without grace: %+v %v", rep, err)
	}
	if rep, err := f.s.Check(f.ctx, CheckOptions{}); err != nil || !rep.OK() {
		t.Errorf("Check after GC: %+v %v", rep, err)
	}
}

func TestOpenBlobReadsInChunks(t *testing.T) {
	f := newFixture(t)
	big := strings.Repeat("Trục liên thông văn bản quốc gia. ", 10000)
	b := f.blob(t, big)
	rc, err := f.s.OpenBlob(b.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	n, err := io.CopyBuffer(io.Discard, rc, make([]byte, 1000))
	if err != nil || n != int64(len(big)) {
		t.Errorf("read %d bytes, %v", n, err)
	}
}

// Bytes already stored cost no file: the blob directory is not touched.
func TestPutBlobKnownBytesWriteNothing(t *testing.T) {
	f := newFixture(t)
	b := f.blob(t, "%PDF-1.7 quyết định")
	blobs := filepath.Join(f.dir, "blobs")
	old := time.Now().Add(-48 * time.Hour).Truncate(time.Second)
	for _, dir := range []string{blobs, filepath.Join(blobs, b.SHA256[:2])} {
		if err := os.Chtimes(dir, old, old); err != nil {
			t.Fatal(err)
		}
	}
	if again := f.blob(t, "%PDF-1.7 quyết định"); again != b {
		t.Fatalf("second PutBlob: got %+v, want %+v", again, b)
	}
	for _, dir := range []string{blobs, filepath.Join(blobs, b.SHA256[:2])} {
		if info, err := os.Stat(dir); err != nil || !info.ModTime().Equal(old) {
			t.Errorf("%s changed (a file was created or removed in it) for bytes already stored", dir)
		}
	}
}

// Files larger than PutBlob hashes in memory are streamed to disk.
func TestPutBlobLarge(t *testing.T) {
	f := newFixture(t)
	big := make([]byte, memBlob*3+17)
	for i := range big {
		big[i] = byte(i * 7 % 251)
	}
	sum := sha256.Sum256(big)
	want := hex.EncodeToString(sum[:])
	for range 2 {
		b, err := f.s.PutBlob(f.ctx, strings.NewReader(string(big)))
		if err != nil || b.SHA256 != want || b.Size != int64(len(big)) {
			t.Fatalf("PutBlob: got %+v %v, want %s/%d", b, err, want, len(big))
		}
	}
	got, err := f.readBlob(t, want)
	if err != nil || string(got) != string(big) {
		t.Errorf("OpenBlob: %d bytes back, %v", len(got), err)
	}
	// A reader failing past the in-memory part leaves nothing either.
	if _, err := f.s.PutBlob(f.ctx, io.MultiReader(strings.NewReader(string(big[:memBlob+5])), &failingReader{})); err == nil {
		t.Error("PutBlob from a reader failing after the first megabyte succeeded")
	}
	assertNoTempFiles(t, f)
}
