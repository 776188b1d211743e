package main

import (
	"context"
	"io"
	"math/rand/v2"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/vanthu/vanthu/inbox"
)

// TestImportSurvivesKill kills a child `vanthuctl inbox import` of a batch
// with SIGKILL at random points, 50 times. After each kill the inbox must be
// consistent (database, blobs, audit chain) with every stored document
// complete; a last run finishes the batch with no duplicates.
func TestImportSurvivesKill(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "vanthuctl")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	work := t.TempDir()
	// More packets than one commit takes (50), so that kills land before,
	// between and inside commits.
	const batch = 120
	var files []string
	for i := range batch {
		files = append(files, writePacket(t, work, strconv.Itoa(1000+i), "V/v thử nghiệm độ bền số "+strconv.Itoa(i)))
	}
	newInbox := func() string {
		dir := t.TempDir()
		if code, _, stderr := ctl(t, "inbox", "init", "--agency", demoAgency.Code, "--name", demoAgency.Name, "--data", dir); code != 0 {
			t.Fatal(stderr)
		}
		return dir
	}
	importArgs := func(dir string) []string {
		return append([]string{"inbox", "import", "--no-text", "--data", dir}, files...)
	}

	// How long a whole batch takes, on a scratch inbox.
	start := time.Now()
	if out, err := exec.Command(bin, importArgs(newInbox())...).CombinedOutput(); err != nil {
		t.Fatalf("a full batch failed: %v\n%s", err, out)
	}
	span := time.Since(start)
	t.Logf("a batch of %d packets takes %s", batch, span)

	// Each round: a fresh inbox, an import killed at a random moment, the
	// checks, then the batch finished by a second import.
	rng := rand.New(rand.NewPCG(1, 2))
	partial, interrupted := 0, 0
	for round := 0; round < 50; round++ {
		data := newInbox()
		cmd := exec.Command(bin, importArgs(data)...)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Duration(rng.Int64N(int64(span))))
		_ = cmd.Process.Signal(syscall.SIGKILL)
		_ = cmd.Wait()
		n := checkInbox(t, data, batch, false)
		if n < batch {
			interrupted++
		}
		if n > 0 && n < batch {
			partial++
		}
		if out, err := exec.Command(bin, importArgs(data)...).CombinedOutput(); err != nil {
			t.Fatalf("round %d: finishing the batch: %v\n%s", round, err, out)
		}
		checkInbox(t, data, batch, true)
	}
	t.Logf("%d of 50 kills interrupted the import, %d of them after a commit", interrupted, partial)
	if interrupted < 25 || partial < 5 {
		t.Errorf("only %d kills interrupted the import (%d after a commit): the kill points miss the work", interrupted, partial)
	}
}

// checkInbox opens the inbox and checks it: consistent, every document
// complete, no more than batch documents (exactly batch when complete).
func checkInbox(t *testing.T, dir string, batch int, complete bool) int {
	t.Helper()
	ctx := context.Background()
	s, err := inbox.Open(ctx, dir, inbox.Options{EncodeStatus: inbox.EncodeStatus, Self: demoAgency})
	if err != nil {
		t.Fatalf("opening the inbox after a kill: %v", err)
	}
	defer s.Close()
	rep, err := s.Check(ctx, inbox.CheckOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !rep.OK() {
		t.Fatalf("inbox inconsistent after a kill: %+v", rep)
	}
	list, _, err := s.List(ctx, inbox.Filter{}, inbox.Page{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, sum := range list {
		if seen[sum.DocumentID] {
			t.Fatalf("document %s stored twice", sum.DocumentID)
		}
		seen[sum.DocumentID] = true
		doc, err := s.Get(ctx, sum.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(doc.Attachments) != 1 {
			t.Fatalf("document %d has %d attachments, want 1", doc.ID, len(doc.Attachments))
		}
		rc, err := s.OpenBlob(doc.Attachments[0].Blob.SHA256)
		if err != nil {
			t.Fatalf("document %d: its file is missing: %v", doc.ID, err)
		}
		_, err = io.Copy(io.Discard, rc)
		rc.Close()
		if err != nil {
			t.Fatalf("document %d: its file is damaged: %v", doc.ID, err)
		}
		out, err := s.Outbox(ctx, doc.ID)
		if err != nil || len(out) != 1 {
			t.Fatalf("document %d: %d outbox rows (status 01), want 1 (%v)", doc.ID, len(out), err)
		}
	}
	if len(list) > batch || (complete && len(list) != batch) {
		t.Fatalf("%d documents, want %d", len(list), batch)
	}
	return len(list)
}
