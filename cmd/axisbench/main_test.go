package main

import (
	"bytes"
	"context"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// TestTinyRun runs the whole benchmark at tiny sizes — both stores
// (SQLite only with -short), a few packets of 8 KB, a one-second wrk run
// — and checks that its tables parse and hold what the run must have
// done: every listing request answered and verified by axisd, every
// packet stored and answered.
func TestTinyRun(t *testing.T) {
	stores := "sqlite,postgres"
	if testing.Short() {
		stores = "sqlite"
	}
	const packets = 12
	var out, errs bytes.Buffer
	err := run(context.Background(), []string{"--stores", stores, "--packets", strconv.Itoa(packets), "--packet-kb", "8",
		"--pending", "5", "--clients", "4", "--threads", "2", "--duration", "1s", "--max-rate", "20000", "--seeders", "2",
		"--dir", t.TempDir()}, &out, &errs)
	if err != nil {
		t.Fatalf("run: %v\n%s", err, errs.String())
	}
	t.Log("\n" + out.String())
	listRow := regexp.MustCompile(`^(sqlite|postgres)\s+(gzip|identity)\s+([\d.]+)\s+(\d+)\s+(\d+)\s+([\d.]+)ms\s+([\d.]+)ms\s+(\d+)\s+(\d+)\s+(\d+)\s+([\d.]+)×\s+([\d.]+)×$`)
	syncRow := regexp.MustCompile(`^(sqlite|postgres)\s+(\d+)\s+([\d.]+)\s+([\d.]+)s\s+(\d+)\s+([\d.]+)\s+([\d.]+)MB\s+([\d.]+)s\s+([\d.]+)MB\s+([\d.]+)s\s+(\d+)\s+([\d.]+)×$`)
	lists, syncs := map[string][]string{}, map[string][]string{}
	for _, line := range strings.Split(out.String(), "\n") {
		if m := listRow.FindStringSubmatch(line); m != nil {
			lists[m[1]+"/"+m[2]] = append(m[:1:1], m[3:]...) // without the encoding
		}
		if m := syncRow.FindStringSubmatch(line); m != nil {
			syncs[m[1]] = m
		}
	}
	num := func(s string) float64 {
		v, err := strconv.ParseFloat(s, 64)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	for _, store := range strings.Split(stores, ",") {
		gz, plain := lists[store+"/gzip"], lists[store+"/identity"]
		s := syncs[store]
		if gz == nil || plain == nil || s == nil {
			t.Fatalf("%s: no list rows (gzip and identity) or sync row in the output", store)
		}
		for _, l := range [][]string{gz, plain} {
			// l: line, KB/answer, requests, req/s, p50, p99, non-2xx, errors, verified, ratios
			requests, non2xx, sockErrs, verified := num(l[2]), num(l[6]), num(l[7]), num(l[8])
			if requests < 1 || num(l[3]) <= 0 || num(l[5]) < num(l[4]) {
				t.Errorf("%s: list row %q: no requests, or p99 below p50", store, l[0])
			}
			if non2xx != 0 || sockErrs != 0 {
				t.Errorf("%s: %v refused and %v failed listing requests", store, non2xx, sockErrs)
			}
			if verified < requests {
				t.Errorf("%s: axisd answered %v listing requests OK, wrk completed %v", store, verified, requests)
			}
		}
		if num(gz[1]) >= num(plain[1]) {
			t.Errorf("%s: gzipped answers of %v KB, plain ones of %v KB", store, gz[1], plain[1])
		}
		if got := num(s[2]); got != packets {
			t.Errorf("%s: sync row for %v packets, want %d", store, got, packets)
		}
		if num(s[4]) <= 0 || num(s[7]) <= 0 {
			t.Errorf("%s: sync row %q without a wall time or RSS", store, s[0])
		}
		if got := num(s[11]); got != packets {
			t.Errorf("%s: %v status answers sent back, want %d", store, got, packets)
		}
	}
}
