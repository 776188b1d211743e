package inbox

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/vanthu/vanthu/internal/bufpool"
)

const tempBlobPrefix = "tmp-"

// blobPath is dir/blobs/ab/abcdef…; sha must be valid.
// BlobPath returns where the blob with this SHA-256 lives on disk (for
// readers that need a file, such as the PDF verifier). Its content is only
// trustworthy as far as Check or OpenBlob have verified it.
func (s *Store) BlobPath(sha string) string { return s.blobPath(sha) }

func (s *Store) blobPath(sha string) string {
	return filepath.Join(s.blobs, sha[:2], sha)
}

func validSHA(sha string) bool {
	if len(sha) != 64 {
		return false
	}
	for _, c := range sha {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// PutBlob stores the bytes of r in the blob store under their SHA-256 and
// returns it. The file is written to a temporary name, synced, renamed into
// place and its directory synced, so after PutBlob returns the blob
// survives a crash. Storing bytes that are already there refreshes the
// file's time, so that GC's grace period protects it again.
func (s *Store) PutBlob(ctx context.Context, r io.Reader) (Blob, error) {
	b, buf, err := s.putBuffered(ctx, r)
	releaseBuffer(buf)
	return b, err
}

// putBuffered is PutBlob that also returns the bytes when they fit in
// memory (a pooled buffer for releaseBuffer; nil for a larger file). A file
// that fits is hashed before anything is written: one already stored costs
// no file at all (a created and removed file costs more than reading it, on
// some file systems much more).
func (s *Store) putBuffered(ctx context.Context, r io.Reader) (Blob, *bytes.Buffer, error) {
	buf, small, err := readSmall(ctx, r)
	if err != nil {
		releaseBuffer(buf)
		return Blob{}, nil, fmt.Errorf("store attachment file: %w", err)
	}
	if !small {
		b, err := s.putBlobFile(ctx, io.MultiReader(bytes.NewReader(buf.Bytes()), r), "")
		releaseBuffer(buf)
		return b, nil, err
	}
	b, err := s.PutBlobBytes(ctx, buf.Bytes())
	if err != nil {
		releaseBuffer(buf)
		return Blob{}, nil, err
	}
	return b, buf, nil
}

// PutBlobBytes is PutBlob for bytes already in memory (b is not kept).
func (s *Store) PutBlobBytes(ctx context.Context, b []byte) (Blob, error) {
	sum := sha256.Sum256(b)
	blob := Blob{SHA256: hex.EncodeToString(sum[:]), Size: int64(len(b))}
	s.blobMu.Lock()
	known, err := s.touchBlob(blob)
	s.blobMu.Unlock()
	if err != nil || known {
		return blob, err
	}
	return s.putBlobFile(ctx, bytes.NewReader(b), blob.SHA256)
}

// memBlob is the size up to which attachments are handled in memory: hashed
// before they are written, and checked without reading the file back.
const memBlob = 1 << 20

var blobBuffers = bufpool.New(2 * memBlob)

// readSmall reads r into a pooled buffer, up to memBlob+1 bytes; small
// tells whether that was all of it. The buffer goes back with
// releaseBuffer.
func readSmall(ctx context.Context, r io.Reader) (buf *bytes.Buffer, small bool, err error) {
	buf = blobBuffers.Get()
	n, err := buf.ReadFrom(io.LimitReader(ctxReader{ctx: ctx, r: r}, memBlob+1))
	return buf, n <= memBlob, err
}

func releaseBuffer(buf *bytes.Buffer) { blobBuffers.Put(buf) }

// touchBlob reports whether b is stored, refreshing its time when it is.
// The caller holds blobMu.
func (s *Store) touchBlob(b Blob) (bool, error) {
	final := s.blobPath(b.SHA256)
	if _, err := os.Stat(final); err != nil {
		return false, nil //nolint:nilerr // not there (or unreadable): written anew
	}
	now := time.Now()
	if err := os.Chtimes(final, now, now); err != nil {
		return false, fmt.Errorf("store attachment file: %w", err)
	}
	return true, nil
}

// putBlobFile writes r to a temporary file, syncs it and moves it into
// place. sum is r's SHA-256 when the caller has it ("": computed here).
func (s *Store) putBlobFile(ctx context.Context, r io.Reader, sum string) (Blob, error) {
	f, err := os.CreateTemp(s.blobs, tempBlobPrefix+"*")
	if err != nil {
		return Blob{}, fmt.Errorf("store attachment file: %w", err)
	}
	tmp := f.Name()
	ok := false
	defer func() {
		if !ok {
			_ = f.Close()
			_ = os.Remove(tmp)
		}
	}()
	var h hash.Hash
	w := io.Writer(f)
	if sum == "" {
		h = sha256.New()
		w = io.MultiWriter(f, h)
	}
	n, err := io.Copy(w, ctxReader{ctx: ctx, r: r})
	if err != nil {
		return Blob{}, fmt.Errorf("store attachment file: %w", err)
	}
	if err := f.Chmod(0o400); err != nil {
		return Blob{}, fmt.Errorf("store attachment file: %w", err)
	}
	if err := f.Sync(); err != nil {
		return Blob{}, fmt.Errorf("store attachment file: %w", err)
	}
	if err := f.Close(); err != nil {
		return Blob{}, fmt.Errorf("store attachment file: %w", err)
	}
	if h != nil {
		sum = hex.EncodeToString(h.Sum(nil))
	}
	b := Blob{SHA256: sum, Size: n}
	dir := filepath.Join(s.blobs, b.SHA256[:2])

	s.blobMu.Lock()
	defer s.blobMu.Unlock()
	if known, err := s.touchBlob(b); err != nil || known {
		if err == nil {
			_ = os.Remove(tmp)
			ok = true
		}
		return b, err
	}
	if _, err := os.Stat(dir); errors.Is(err, fs.ErrNotExist) {
		if err := os.Mkdir(dir, 0o700); err != nil && !errors.Is(err, fs.ErrExist) {
			return Blob{}, fmt.Errorf("store attachment file: %w", err)
		}
		if err := syncDir(s.blobs); err != nil {
			return Blob{}, fmt.Errorf("store attachment file: %w", err)
		}
	}
	if err := os.Rename(tmp, s.blobPath(b.SHA256)); err != nil {
		return Blob{}, fmt.Errorf("store attachment file: %w", err)
	}
	ok = true
	if err := syncDir(dir); err != nil {
		return Blob{}, fmt.Errorf("store attachment file: %w", err)
	}
	return b, nil
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	return errors.Join(err, d.Close())
}

// ctxReader stops a copy when its context ends.
type ctxReader struct {
	ctx context.Context //nolint:containedctx // lives for one io.Copy
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

// OpenBlob opens a stored blob. The reader checks the hash as it goes and
// returns ErrCorruptBlob instead of io.EOF when the bytes do not match
// their name.
func (s *Store) OpenBlob(sha string) (io.ReadCloser, error) {
	if !validSHA(sha) {
		return nil, invalidf("%q is not a SHA-256 in lower-case hex", sha)
	}
	f, err := os.Open(s.blobPath(sha))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, notFoundf("attachment file %s is missing", sha)
	}
	if err != nil {
		return nil, fmt.Errorf("open attachment file: %w", err)
	}
	return &verifyingReader{f: f, h: sha256.New(), want: sha}, nil
}

type verifyingReader struct {
	f    *os.File
	h    hash.Hash
	want string
	err  error
}

func (v *verifyingReader) Read(p []byte) (int, error) {
	if v.err != nil {
		return 0, v.err
	}
	n, err := v.f.Read(p)
	v.h.Write(p[:n])
	if errors.Is(err, io.EOF) {
		if got := hex.EncodeToString(v.h.Sum(nil)); got != v.want {
			v.err = fmt.Errorf("%w: %s (its content hashes to %s)", ErrCorruptBlob, v.want, got)
			return n, v.err
		}
		v.err = io.EOF
	}
	return n, err
}

func (v *verifyingReader) Close() error { return v.f.Close() }

// hashBlob reads a blob fully and reports whether it matches its name.
func (s *Store) hashBlob(ctx context.Context, sha string) error {
	rc, err := s.OpenBlob(sha)
	if err != nil {
		return err
	}
	defer rc.Close()
	_, err = io.Copy(io.Discard, ctxReader{ctx: ctx, r: rc})
	return err
}

// GCReport says what GC removed.
type GCReport struct {
	Deleted int   // blobs and abandoned temporary files removed
	Bytes   int64 // their size
}

// GC deletes blobs that no attachment or outbox row references and whose
// file is older than grace (by the file system's clock), and temporary files
// older than grace. The grace period protects blobs written by an import
// whose transaction has not committed yet.
func (s *Store) GC(ctx context.Context, grace time.Duration) (GCReport, error) {
	var rep GCReport
	cutoff := time.Now().Add(-grace)
	var candidates, temps []string
	err := filepath.WalkDir(s.blobs, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if d.IsDir() {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		if !info.ModTime().Before(cutoff) {
			return nil
		}
		name := d.Name()
		switch {
		case strings.HasPrefix(name, tempBlobPrefix) && filepath.Dir(path) == s.blobs:
			temps = append(temps, name)
			rep.Deleted++
			rep.Bytes += info.Size()
		case validSHA(name) && filepath.Base(filepath.Dir(path)) == name[:2]:
			candidates = append(candidates, name)
		}
		return nil
	})
	if err != nil {
		return rep, fmt.Errorf("collect attachment files: %w", err)
	}
	root, err := os.OpenRoot(s.blobs)
	if err != nil {
		return rep, fmt.Errorf("collect attachment files: %w", err)
	}
	defer root.Close()
	for _, name := range temps {
		if err := root.Remove(name); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return rep, fmt.Errorf("collect attachment files: %w", err)
		}
	}
	if len(candidates) == 0 {
		return rep, nil
	}
	// Hold the writer while deciding and deleting, so that no transaction
	// commits a new reference to a blob in between.
	err = s.write(ctx, func(tx *wtx, _ time.Time) error {
		s.blobMu.Lock()
		defer s.blobMu.Unlock()
		for _, sha := range candidates {
			var used bool
			if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM attachments WHERE sha256 = ?)
				OR EXISTS (SELECT 1 FROM outbox WHERE payload_sha256 = ?)`, sha, sha).Scan(&used); err != nil {
				return err
			}
			if used {
				continue
			}
			rel := filepath.Join(sha[:2], sha)
			info, err := root.Stat(rel)
			if err != nil || !info.ModTime().Before(cutoff) { // refreshed by PutBlob meanwhile
				continue
			}
			if err := root.Remove(rel); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return err
			}
			rep.Deleted++
			rep.Bytes += info.Size()
		}
		return nil
	})
	if err != nil {
		return rep, fmt.Errorf("collect attachment files: %w", err)
	}
	return rep, nil
}

// checkBlobPresent verifies, inside a transaction that is about to
// reference it, that a blob exists with the size the caller claims.
func (s *Store) checkBlobPresent(b Blob) error {
	if !validSHA(b.SHA256) {
		return invalidf("attachment hash %q is not a SHA-256 in lower-case hex", b.SHA256)
	}
	info, err := os.Stat(s.blobPath(b.SHA256))
	if errors.Is(err, fs.ErrNotExist) {
		return notFoundf("attachment file %s was not stored (PutBlob)", b.SHA256)
	}
	if err != nil {
		return fmt.Errorf("attachment file: %w", err)
	}
	if info.Size() != b.Size {
		return invalidf("attachment file %s has %d bytes, not %d", b.SHA256, info.Size(), b.Size)
	}
	return nil
}
