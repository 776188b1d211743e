package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vanthu/vanthu/inbox/edxml"
)

// writePacket writes a small edXML packet from the Văn phòng Chính phủ to
// the demo desk, with one (unsigned) PDF.
func writePacket(t *testing.T, dir, number, subject string) string {
	t.Helper()
	date := time.Date(2026, 11, 20, 0, 0, 0, 0, edxml.Vietnam)
	e := &edxml.Edoc{}
	e.Header.From = edxml.Organization{OrganID: "000.00.12.G22", OrganName: "Văn phòng Chính phủ"}
	e.Header.To = []edxml.Organization{{OrganID: demoAgency.Code, OrganName: demoAgency.Name}}
	id, err := edxml.MakeDocumentID("000.00.12.G22", date, number, "VPCP-TTĐT")
	if err != nil {
		t.Fatal(err)
	}
	e.Header.DocumentID = id
	e.Header.Code = edxml.Code{CodeNumber: number, CodeNotation: "VPCP-TTĐT"}
	e.Header.PromulgationInfo = edxml.PromulgationInfo{Place: "Hà Nội", PromulgationDate: edxml.NewDate(date)}
	e.Header.DocumentType = edxml.DocumentType{Type: 1, TypeName: "Công văn"}
	e.Header.Subject = subject
	e.Header.OtherInfo.Priority = edxml.PriorityUrgent
	e.Attachments = []edxml.Attachment{{ContentID: "a1", Name: "Công văn " + number + ".pdf", ContentType: "application/pdf", Ref: "a1"}}
	var buf bytes.Buffer
	if err := edxml.EncodeEdoc(context.Background(), &buf, e, memSource{"a1": simplePDF(1)}, edxml.EncodeOptions{}); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, number+".edxml")
	mustWrite(t, p, buf.Bytes(), 0o600)
	return p
}

func TestInboxCommands(t *testing.T) {
	data := t.TempDir()
	work := t.TempDir()
	run := func(want int, args ...string) string {
		t.Helper()
		args = append(args, "--data", data, "--as", "van.thu")
		code, stdout, stderr := ctl(t, args...)
		if code != want {
			t.Fatalf("%v: exit %d, want %d\n%s%s", args, code, want, stdout, stderr)
		}
		return stdout + stderr
	}
	// Nothing works before the desk knows its agency.
	p1 := writePacket(t, work, "7816", "V/v triển khai chữ ký số trong văn bản điện tử")
	if out := run(2, "inbox", "import", p1); !strings.Contains(out, "inbox init") {
		t.Errorf("import before init: %s", out)
	}
	run(2, "inbox", "init", "--agency", "bad-code", "--name", "x")
	run(0, "inbox", "init", "--agency", demoAgency.Code, "--name", demoAgency.Name)
	out := run(0, "inbox", "import", p1, writePacket(t, work, "7817", "V/v công văn khẩn về phòng chống lụt bão"))
	if strings.Count(out, "imported") != 2 {
		t.Errorf("import output:\n%s", out)
	}
	if out := run(0, "inbox", "import", p1); !strings.Contains(out, "already in the inbox") {
		t.Errorf("duplicate import: %s", out)
	}
	bad := filepath.Join(work, "bad.edxml")
	mustWrite(t, bad, []byte("<edXML>not really</edXML>"), 0o600)
	if out := run(2, "inbox", "import", bad); !strings.Contains(out, "bad.edxml") {
		t.Errorf("bad packet: %s", out)
	}

	var list []jsonSummary
	if err := json.Unmarshal([]byte(run(0, "inbox", "list", "--json")), &list); err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 || list[0].State != "arrived" || list[0].Sender.Code != "000.00.12.G22" {
		t.Fatalf("list: %+v", list)
	}
	var oldest []jsonSummary
	if err := json.Unmarshal([]byte(run(0, "inbox", "list", "--order", "oldest", "--json")), &oldest); err != nil {
		t.Fatal(err)
	}
	if len(oldest) != 2 || oldest[0].ID != list[1].ID || oldest[1].ID != list[0].ID {
		t.Errorf("list --order oldest: %+v, want the reverse of %+v", oldest, list)
	}
	if out := run(2, "inbox", "list", "--order", "by-mood"); !strings.Contains(out, "--order") {
		t.Errorf("bad --order: %s", out)
	}
	var hits []jsonSummary
	if err := json.Unmarshal([]byte(run(0, "inbox", "search", "cong van khan", "--json")), &hits); err != nil {
		t.Fatal(err)
	}
	if len(hits) != 1 || !strings.Contains(hits[0].Subject, "công văn khẩn") {
		t.Errorf("search 'cong van khan': %+v", hits)
	}
	id := func(number string) string {
		for _, s := range list {
			if strings.HasPrefix(s.Number, number+"/") {
				return itoa64(s.ID)
			}
		}
		t.Fatalf("no document %s", number)
		return ""
	}
	a, b := id("7816"), id("7817")

	run(0, "inbox", "registers", "add", "Sổ đến", "--kind", "incoming")
	if out := run(0, "inbox", "register", a, "--register", "Sổ đến"); !strings.Contains(out, "arrival number 1") {
		t.Errorf("register: %s", out)
	}
	run(2, "inbox", "register", a, "--register", "Sổ đến") // already registered: illegal
	run(2, "inbox", "done", b)                             // not registered yet: illegal
	run(0, "inbox", "assign", a, "--to", "Trần Thị Bình", "--deadline", "2026-12-01", "--note", "Tham mưu xử lý")
	run(2, "inbox", "assign", a, "--to", "x", "--deadline", "01/12/2026")
	run(0, "inbox", "done", a)
	run(0, "inbox", "refuse", b, "--reason", "Gửi nhầm đơn vị")
	run(2, "inbox", "refuse", a, "--reason", "")

	var doc jsonDocument
	if err := json.Unmarshal([]byte(run(0, "inbox", "show", a, "--json")), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.State != "done" || doc.Arrival != 1 || len(doc.Assignments) != 1 || doc.Assignments[0].Assignee != "Trần Thị Bình" || len(doc.Attachments) != 1 {
		t.Errorf("show: %+v", doc)
	}
	run(2, "inbox", "show", "999")

	edx := filepath.Join(work, "out.edxml")
	run(0, "inbox", "export", a, "--edxml", edx)
	if _, err := edxml.DecodeEdoc(context.Background(), mustOpen(t, edx), nil, edxml.DecodeOptions{}); err != nil {
		t.Errorf("exported packet: %v", err)
	}
	zipOut := filepath.Join(work, "out.zip")
	run(0, "inbox", "export", a, "--zip", zipOut)
	if st, err := os.Stat(zipOut); err != nil || st.Size() == 0 {
		t.Errorf("zip export: %v", err)
	}
	if out := run(0, "inbox", "audit", "verify"); !strings.Contains(out, "intact") {
		t.Errorf("audit: %s", out)
	}
	run(0, "inbox", "check")
	run(2, "inbox", "frobnicate")
}

func itoa64(n int64) string { return strings.TrimSpace(strings.ReplaceAll(jsonNumber(n), "\n", "")) }

func jsonNumber(n int64) string { b, _ := json.Marshal(n); return string(b) }

func mustOpen(t *testing.T, path string) *os.File {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

func TestDemoSeed(t *testing.T) {
	data := t.TempDir()
	code, stdout, stderr := ctl(t, "demo", "seed", "--docs", "300", "--data", data)
	if code != 0 || !strings.Contains(stdout, "seeded 300 documents") {
		t.Fatalf("seed: exit %d\n%s%s", code, stdout, stderr)
	}
	var list []jsonSummary
	_, out, _ := ctl(t, "inbox", "list", "--json", "--limit", "500", "--data", data)
	if err := json.Unmarshal([]byte(out), &list); err != nil {
		t.Fatal(err)
	}
	states := map[string]int{}
	priorities := map[int]int{}
	for _, s := range list {
		states[s.State]++
		priorities[s.Priority]++
	}
	for _, st := range []string{"arrived", "registered", "assigned", "processing", "done", "refused"} {
		if states[st] == 0 {
			t.Errorf("no seeded document is %s (states %v)", st, states)
		}
	}
	if len(priorities) < 3 {
		t.Errorf("priorities %v: want variety", priorities)
	}
	// Seeding again with the same seed adds nothing.
	_, stdout, _ = ctl(t, "demo", "seed", "--docs", "300", "--data", data)
	if !strings.Contains(stdout, "seeded 0 documents") {
		t.Errorf("second seed: %s", stdout)
	}
	if code, out, _ := ctl(t, "inbox", "audit", "verify", "--data", data); code != 0 {
		t.Errorf("audit after seeding: %s", out)
	}
}
