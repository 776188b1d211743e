package courier_test

import (
	"bytes"
	"context"
	"flag"
	"os"
	"path/filepath"
	"runtime/pprof"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/vanthu/vanthu/inbox"
	"github.com/vanthu/vanthu/inbox/axis"
	"github.com/vanthu/vanthu/inbox/courier"
	"github.com/vanthu/vanthu/inbox/edxml"
	"github.com/vanthu/vanthu/signing"
	"github.com/vanthu/vanthu/signing/demopki"
	"github.com/vanthu/vanthu/signing/sample"
)

var (
	benchPackets = flag.Int("bench.packets", 500, "BenchmarkSyncPull: packets waiting on the axis")
	benchProfile = flag.String("bench.cpuprofile", "", "BenchmarkSyncPull: write a CPU profile of the timed passes alone (hub and desk) to this file")
)

// BenchmarkSyncPull measures one pass of a fresh desk over a queue of
// -bench.packets document packets of about 100 KB (a two-page dispatch
// signed by the demo PKI's leader and a scanned appendix of random
// samples, zipped, in base64) on a hub in the same process: list,
// download, import (blobs synced, signatures checked against the demo
// root, no text), acknowledge, then the status 01 answers sent back. The
// queue is filled before each timed pass.
//
//	go test -run '^$' -bench SyncPull -benchtime 1x ./inbox/courier/ -bench.packets 2000
func BenchmarkSyncPull(b *testing.B) {
	h := newHub(b, nil)
	scanPath := filepath.Join(b.TempDir(), "scan.pdf")
	if err := sample.WriteLargePDF(scanPath, 72<<10, 1); err != nil {
		b.Fatal(err)
	}
	scan, err := os.ReadFile(scanPath)
	if err != nil {
		b.Fatal(err)
	}
	pki, err := demopki.New(demopki.Options{NoServers: true})
	if err != nil {
		b.Fatal(err)
	}
	defer pki.Close()
	dispatch := signPDF(b, sample.SimplePDF(2), signing.PDFOptions{Signer: signing.Signer{Key: pki.Leader.Key, Chain: pki.Leader.Chain}})
	phases := &phaseClock{took: map[courier.Phase]time.Duration{}}
	verifying := deskOptions{importer: &inbox.Importer{Verify: signing.VerifyOptions{Roots: pki.Root.Chain[:1]}},
		engine: func(o *courier.Options) { o.Progress = phases }}
	sender := client(b, h.URL, sysA)
	n := *benchPackets
	fill := func(round int) int64 {
		var total int64
		var mu sync.Mutex
		jobs := make(chan int)
		var wg sync.WaitGroup
		for range 8 {
			wg.Go(func() {
				for i := range jobs {
					number := strconv.Itoa(round*n + i + 1)
					e := edocFrom(b, orgA, orgB, number, "Công văn số "+number)
					// The appendix differs in each packet, as scans do.
					appendix := bytes.Clone(scan)
					copy(appendix[len(appendix)-200:], number)
					e.Attachments = append(e.Attachments, edxml.Attachment{ContentID: "a2", Name: "phu-luc-" + number + ".pdf",
						ContentType: "application/pdf", Ref: "a2"})
					var buf bytes.Buffer
					if err := edxml.EncodeEdoc(context.Background(), &buf, e, memSource{"a1": dispatch, "a2": appendix}, edxml.EncodeOptions{}); err != nil {
						b.Error(err)
						return
					}
					if _, err := sender.Send(context.Background(), axis.MessageEdoc, orgA.Code, []string{orgB.Code}, &buf, int64(buf.Len())); err != nil {
						b.Error(err)
						return
					}
					mu.Lock()
					total += int64(buf.Len())
					mu.Unlock()
				}
			})
		}
		for i := range n {
			jobs <- i
		}
		close(jobs)
		wg.Wait()
		if b.Failed() {
			b.FailNow()
		}
		return total
	}
	var bytesIn int64
	round := 0
	var prof *os.File
	if *benchProfile != "" {
		if prof, err = os.Create(*benchProfile); err != nil {
			b.Fatal(err)
		}
		defer prof.Close()
	}
	for b.Loop() {
		b.StopTimer()
		bytesIn += fill(round)
		round++
		d := newDesk(b, h.URL, orgB, sysB, verifying)
		b.StartTimer()
		if prof != nil {
			if err := pprof.StartCPUProfile(prof); err != nil {
				b.Fatal(err)
			}
		}
		rep := d.once(b)
		if prof != nil {
			pprof.StopCPUProfile()
		}
		if rep.Received != n || rep.Sent != n {
			b.Fatalf("pass received %d and sent %d of %d: %+v", rep.Received, rep.Sent, n, rep)
		}
	}
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "packets/s")
	for _, p := range []courier.Phase{courier.PhaseDocuments, courier.PhaseSend} {
		b.ReportMetric(phases.took[p].Seconds()/float64(b.N), string(p)+"-s/op")
	}
	b.ReportMetric(float64(bytesIn)/(1<<20)/b.Elapsed().Seconds(), "MB/s")
}

// phaseClock adds up the time a pass spends in each phase.
type phaseClock struct {
	mu    sync.Mutex
	last  courier.Phase
	since time.Time
	took  map[courier.Phase]time.Duration
}

func (c *phaseClock) Report(u courier.Update) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if u.Phase == c.last {
		return
	}
	now := time.Now()
	if c.last != "" {
		c.took[c.last] += now.Sub(c.since)
	}
	c.last, c.since = u.Phase, now
}
