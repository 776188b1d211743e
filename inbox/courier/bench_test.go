package courier_test

import (
	"bytes"
	"context"
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"

	"github.com/vanthu/vanthu/inbox/axis"
	"github.com/vanthu/vanthu/inbox/edxml"
	"github.com/vanthu/vanthu/signing/sample"
)

var benchPackets = flag.Int("bench.packets", 500, "BenchmarkSyncPull: packets waiting on the axis")

// BenchmarkSyncPull measures one pass of a fresh desk over a queue of
// -bench.packets document packets of about 100 KB (a one-page dispatch
// and a scanned appendix of random samples, zipped, in base64) on a hub
// in the same process: list, download, import (blobs synced, signatures
// checked, no text), acknowledge, then the status 01 answers sent back.
// The queue is filled before each timed pass.
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
	dispatch := sample.SimplePDF(2)
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
	for b.Loop() {
		b.StopTimer()
		bytesIn += fill(round)
		round++
		d := newDesk(b, h.URL, orgB, sysB, deskOptions{})
		b.StartTimer()
		rep := d.once(b)
		if rep.Received != n || rep.Sent != n {
			b.Fatalf("pass received %d and sent %d of %d: %+v", rep.Received, rep.Sent, n, rep)
		}
	}
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "packets/s")
	b.ReportMetric(float64(bytesIn)/(1<<20)/b.Elapsed().Seconds(), "MB/s")
}
