package hub

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
)

// TestBusinessStatusPlan checks how SQLite records a status packet's
// code: from the answered packets (packets_document) to their deliveries
// (deliveries_packet), never by walking the deliveries to the agency,
// which would make each status cost its sender's whole queue.
func TestBusinessStatusPlan(t *testing.T) {
	s, err := OpenSQLite(context.Background(), filepath.Join(t.TempDir(), "axis.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, n := range []int{1, 3} {
		args := []any{"01", "", 0, "000.00.00.H41", MessageEdoc, "doc"}
		for range n {
			args = append(args, "000.00.00.G22")
		}
		rows, err := s.r.QueryContext(context.Background(), "EXPLAIN QUERY PLAN "+businessStatusSQL(n), args...)
		if err != nil {
			t.Fatal(err)
		}
		var plan []string
		for rows.Next() {
			var id, parent, notUsed int
			var detail string
			if err := rows.Scan(&id, &parent, &notUsed, &detail); err != nil {
				t.Fatal(err)
			}
			plan = append(plan, detail)
		}
		rows.Close()
		got := strings.Join(plan, "; ")
		if !strings.Contains(got, "deliveries USING INDEX deliveries_packet") || !strings.Contains(got, "packets USING INDEX packets_document") ||
			strings.Contains(got, "deliveries_agency") {
			t.Errorf("%d agencies: plan %q", n, got)
		}
	}
}
