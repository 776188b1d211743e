package inbox

import (
	"context"
	"testing"
	"time"
)

func BenchmarkExp3(b *testing.B) {
	s := benchStore(b)
	ctx := context.Background()
	for _, q := range benchQueries[:8] {
		m, terms := ftsQuery(q)
		best, bestIDs := time.Hour, time.Hour
		var n int
		for range 5 {
			t0 := time.Now()
			h, err := s.Search(ctx, q, Filter{}, 20)
			if err != nil {
				b.Fatal(err)
			}
			n = len(h)
			best = min(best, time.Since(t0))
			t0 = time.Now()
			var c int
			if err := s.r.QueryRowContext(ctx, `SELECT count(*) FROM (SELECT d.id FROM doc_fts JOIN documents d ON d.id = doc_fts.rowid WHERE doc_fts MATCH ? AND d.hidden = 0 ORDER BY doc_fts.rowid DESC LIMIT 1000)`, m).Scan(&c); err != nil {
				b.Fatal(err)
			}
			bestIDs = min(bestIDs, time.Since(t0))
		}
		b.Logf("%-30s search %6.1f ms  ids %6.1f ms  hits %d terms %v", q, float64(best.Microseconds())/1000, float64(bestIDs.Microseconds())/1000, n, terms)
	}
}
