package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/vanthu/vanthu/inbox/axis"
)

// syncResult is one vanthuctl sync --once of a seeded queue.
type syncResult struct {
	Packets  int
	Bytes    int64 // packet bytes on the axis
	Text     bool  // PDF text indexed
	Wall     time.Duration
	RSS      int64         // the client's peak, bytes
	CPU      time.Duration // the client's user and system time
	AxisCPU  time.Duration // axisd's user and system time during the sync
	Received int           // documents stored, by the sync's report
	Sent     int           // status 01 answers sent back, by the report
	Left     int           // deliveries still pending on the axis afterwards
}

// runSync makes a fresh desk for deskSystem and times one
// vanthuctl sync --once of everything waiting for it, under GNU time for
// the peak RSS. The run fails unless every packet was stored and
// acknowledged.
func runSync(ctx context.Context, dir, vanthuctl, url string, axisPID int, m *packetMaker, packets int, bytesOnAxis int64, withText bool) (syncResult, error) {
	data := filepath.Join(dir, "desk")
	root := filepath.Join(dir, "demo-root.pem")
	if err := m.RootPEM(root); err != nil {
		return syncResult{}, err
	}
	initArgs := []string{"inbox", "init", "--data", data, "--agency", deskOrg.Code, "--name", deskOrg.Name, "--trust", root}
	if out, err := exec.CommandContext(ctx, vanthuctl, initArgs...).CombinedOutput(); err != nil { //nolint:gosec // the binary under test
		return syncResult{}, fmt.Errorf("vanthuctl inbox init: %w\n%s", err, out)
	}
	secretFile := filepath.Join(dir, "desk.secret")
	if err := os.WriteFile(secretFile, []byte(secretOf(deskSystem)), 0o600); err != nil {
		return syncResult{}, err
	}
	rssFile := filepath.Join(dir, "sync.rss")
	args := []string{"-f", "%M %U %S", "-o", rssFile, vanthuctl, "sync", "--once", "--json", "--data", data,
		"--axis", url, "--system-id", deskSystem, "--secret-file", secretFile}
	if !withText {
		args = append(args, "--no-text")
	}
	cmd := exec.CommandContext(ctx, "/usr/bin/time", args...) //nolint:gosec // GNU time around the binary under test
	axisBefore := procCPU(axisPID)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	err := cmd.Run()
	wall := time.Since(start)
	axisCPU := procCPU(axisPID) - axisBefore
	if err != nil {
		return syncResult{}, fmt.Errorf("vanthuctl sync: %w\n%s%s", err, stdout.String(), tail(stderr.String(), 3000))
	}
	var rep struct {
		Received, Duplicates, Quarantined, Retry, Sent int
		Error                                          string
	}
	if err := json.Unmarshal(stdout.Bytes(), &rep); err != nil {
		return syncResult{}, fmt.Errorf("vanthuctl sync's report: %w\n%s", err, stdout.String())
	}
	res := syncResult{Packets: packets, Bytes: bytesOnAxis, Text: withText, Wall: wall, Received: rep.Received, Sent: rep.Sent, AxisCPU: axisCPU}
	if b, err := os.ReadFile(rssFile); err == nil {
		var kb int64
		var user, sys float64
		if _, err := fmt.Sscan(strings.TrimSpace(string(b)), &kb, &user, &sys); err == nil {
			res.RSS = kb << 10
			res.CPU = time.Duration((user + sys) * float64(time.Second))
		}
	}
	tr, err := axis.NewVXP(url, axis.Credentials{SystemID: deskSystem, Secret: []byte(secretOf(deskSystem))}, axis.VXPOptions{})
	if err != nil {
		return res, err
	}
	left, err := axis.NewClient(tr, axis.ClientOptions{}).CountReceived(ctx, axis.MessageEdoc)
	if err != nil {
		return res, fmt.Errorf("counting what is left on the axis: %w", err)
	}
	res.Left = left
	if rep.Received != packets || left != 0 || rep.Error != "" {
		return res, fmt.Errorf("the sync stored %d of %d packets (%d duplicates, %d quarantined, %d left for later), %d still pending on the axis: %s",
			rep.Received, packets, rep.Duplicates, rep.Quarantined, rep.Retry, left, rep.Error)
	}
	return res, nil
}

func tail(s string, n int) string {
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}
