package signing

import (
	"context"
	"runtime"
	"sync"
)

// BatchJob is one document of a batch.
type BatchJob struct {
	In, Out string
	// Appearance overrides the batch's appearance for this document
	// (nil: the batch's).
	Appearance *Appearance
}

// BatchResult is the outcome for one document of a batch.
type BatchResult struct {
	Job    BatchJob
	Result *SignResult
	Err    error
}

// BatchProgress is told about each finished document.
type BatchProgress interface {
	Done(i int, r BatchResult)
}

// SignBatch signs every job with the same key (one PIN or password entry
// for all) on up to workers goroutines (0: one per CPU). Each output is
// verified before it is kept; a failing document does not stop the others.
// Results come back in the order of jobs.
func SignBatch(ctx context.Context, jobs []BatchJob, opts PDFOptions, workers int, progress BatchProgress) []BatchResult {
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	results := make([]BatchResult, len(jobs))
	next := make(chan int)
	var mu sync.Mutex
	var wg sync.WaitGroup
	for range min(workers, max(len(jobs), 1)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				job := jobs[i]
				o := opts
				if job.Appearance != nil {
					o.Appearance = *job.Appearance
				}
				// Each document gets its own copy of the position lines.
				o.Appearance.Position = append([]string(nil), o.Appearance.Position...)
				res, err := SignPDFFile(ctx, job.In, job.Out, o)
				r := BatchResult{Job: job, Result: res, Err: err}
				results[i] = r
				if progress != nil {
					mu.Lock()
					progress.Done(i, r)
					mu.Unlock()
				}
			}
		}()
	}
	for i := range jobs {
		if ctx.Err() != nil {
			results[i] = BatchResult{Job: jobs[i], Err: ctx.Err()}
			continue
		}
		next <- i
	}
	close(next)
	wg.Wait()
	return results
}
