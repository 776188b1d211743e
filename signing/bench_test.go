package signing

import (
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/vanthu/vanthu/signing/demopki"
	"github.com/vanthu/vanthu/signing/sample"
)

var benchSizes = []int64{1 << 20, 10 << 20, 100 << 20}

var (
	rsaPKIOnce sync.Once
	rsaPKI     *demopki.PKI
	rsaPKIErr  error
)

// benchSigner is a software RSA-2048 key, as the benchmarks' targets say.
func benchSigner(b *testing.B) Signer {
	b.Helper()
	rsaPKIOnce.Do(func() { rsaPKI, rsaPKIErr = demopki.New(demopki.Options{RSA: true, NoServers: true}) })
	if rsaPKIErr != nil {
		b.Fatal(rsaPKIErr)
	}
	return Signer{Key: rsaPKI.Leader.Key, Chain: rsaPKI.Leader.Chain}
}

func benchFile(b *testing.B, dir string, size int64) string {
	b.Helper()
	p := filepath.Join(dir, fmt.Sprintf("in-%d.pdf", size))
	if err := sample.WriteLargePDF(p, size, uint64(size)); err != nil {
		b.Fatal(err)
	}
	return p
}

// benchDir is where benchmark files live: tmpfs when the machine has one,
// so that the numbers measure the engine rather than the disk.
func benchDir(b *testing.B) string {
	b.Helper()
	if st, err := os.Stat("/dev/shm"); err == nil && st.IsDir() {
		dir, err := os.MkdirTemp("/dev/shm", "vanthu-bench-")
		if err == nil {
			b.Cleanup(func() { os.RemoveAll(dir) })
			return dir
		}
	}
	return b.TempDir()
}

func mb(size int64) string { return fmt.Sprintf("%dMB", size>>20) }

// BenchmarkSHA256Copy is the floor for signing: one read, one SHA-256 pass,
// one write of the same file.
func BenchmarkSHA256Copy(b *testing.B) {
	dir := benchDir(b)
	for _, size := range benchSizes {
		in := benchFile(b, dir, size)
		b.Run(mb(size), func(b *testing.B) {
			b.SetBytes(size)
			for b.Loop() {
				src, _ := os.Open(in)
				dst, _ := os.Create(filepath.Join(dir, "copy.pdf"))
				h := sha256.New()
				if _, err := io.Copy(io.MultiWriter(h, dst), src); err != nil {
					b.Fatal(err)
				}
				src.Close()
				dst.Close()
			}
		})
	}
}

func BenchmarkSignPDF(b *testing.B) {
	dir := benchDir(b)
	s := benchSigner(b)
	for _, size := range benchSizes {
		in := benchFile(b, dir, size)
		out := filepath.Join(dir, "signed.pdf")
		b.Run(mb(size), func(b *testing.B) {
			b.SetBytes(size)
			for b.Loop() {
				if _, err := SignPDFFile(context.Background(), in, out, PDFOptions{Signer: s}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkVerifyPDF(b *testing.B) {
	dir := benchDir(b)
	s := benchSigner(b)
	for _, size := range benchSizes {
		in := benchFile(b, dir, size)
		out := filepath.Join(dir, fmt.Sprintf("signed-%d.pdf", size))
		if _, err := SignPDFFile(context.Background(), in, out, PDFOptions{Signer: s}); err != nil {
			b.Fatal(err)
		}
		opts := VerifyOptions{Roots: rsaPKI.Root.Chain[:1]}
		b.Run(mb(size), func(b *testing.B) {
			b.SetBytes(size)
			for b.Loop() {
				rep, err := VerifyPDFFile(context.Background(), out, opts)
				if err != nil {
					b.Fatal(err)
				}
				if rep.Verdict != Valid {
					b.Fatalf("verdict %s: %s", rep.Verdict, rep.Text())
				}
			}
		})
	}
}

// BenchmarkBatch signs 200 documents of 1 MB with one RSA-2048 key and
// reports documents per second.
func BenchmarkBatch(b *testing.B) {
	dir := benchDir(b)
	s := benchSigner(b)
	const n = 200
	in := benchFile(b, dir, 1<<20)
	jobs := make([]BatchJob, n)
	for i := range jobs {
		jobs[i] = BatchJob{In: in, Out: filepath.Join(dir, fmt.Sprintf("out-%03d.pdf", i))}
	}
	b.ResetTimer()
	for b.Loop() {
		for _, r := range SignBatch(context.Background(), jobs, PDFOptions{Signer: s}, 0, nil) {
			if r.Err != nil {
				b.Fatal(r.Err)
			}
		}
	}
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "docs/s")
}
