package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/vanthu/vanthu/inbox/axis"
)

// listResult is a wrk run against getReceivedEdocList.
type listResult struct {
	Gzip      bool          // the requests accept gzip
	Pending   int           // deliveries waiting for the listed system
	Listed    int           // entries in one answer
	Clients   int           // connections
	Duration  time.Duration // of the run
	Requests  int64         // completed
	RPS       float64
	P50, P99  time.Duration
	Max       time.Duration
	Non2xx    int64 // answers with a status above 399
	SockErrs  int64 // connect, read, write errors and timeouts
	Exhausted int64 // requests sent after the pre-signed headers ran out (replays, refused)
	Verified  int64 // getReceivedEdocList answered OK, by axisd's own count
	Bytes     int64 // received by wrk, headers included
}

// presign writes one file per wrk thread of pre-signed header sets for
// getReceivedEdocList as listSystem: each set with its own request id and
// the HMAC over its own sign-header, made as axis.Sign makes them. The
// file's first line is the sign-header template around the timestamp and
// the request id (checked against the signed JSON of every set), the
// second the headers that do not change, then one set per line:
// timestamp, request id, HMAC.
// With gzip each request carries Accept-Encoding: gzip, as Go's HTTP
// client (vanthuctl's) sends it unless told otherwise.
func presign(dir string, threads, perThread int, gzip bool) ([]string, error) {
	cred := axis.Credentials{SystemID: listSystem, Secret: []byte(secretOf(listSystem))}
	call := []axis.Header{{Name: axis.HServiceType, Value: axis.ServiceTypeEDoc}, {Name: axis.HMessageType, Value: string(axis.MessageEdoc)}}
	var files []string
	for t := range threads {
		path := filepath.Join(dir, fmt.Sprintf("presigned-%d.txt", t+1))
		f, err := os.Create(path)
		if err != nil {
			return nil, err
		}
		w := bufio.NewWriterSize(f, 1<<20)
		for i := range perThread {
			req, err := http.NewRequest(http.MethodPost, "http://axis/"+axis.CallReceivedList, nil)
			if err != nil {
				f.Close()
				return nil, err
			}
			id := axis.NewRequestID()
			if err := axis.Sign(req, cred, axis.ContentTypeJSON, call, time.Now(), id); err != nil {
				f.Close()
				return nil, err
			}
			ts := req.Header.Get(axis.Prefix + axis.HeaderTimestamp)
			js := req.Header.Get(axis.HeaderSign)
			pre, rest, ok1 := strings.Cut(js, ts)
			mid, post, ok2 := strings.Cut(rest, id)
			if !ok1 || !ok2 || strings.ContainsAny(js, "\t\n") {
				f.Close()
				return nil, fmt.Errorf("unexpected sign-header %q", js)
			}
			if i == 0 {
				fmt.Fprintf(w, "%s\t%s\t%s\n", pre, mid, post)
				var static []string
				for name, v := range req.Header {
					switch http.CanonicalHeaderKey(name) {
					case http.CanonicalHeaderKey(axis.Prefix + axis.HeaderTimestamp), http.CanonicalHeaderKey(axis.Prefix + axis.HeaderRequestID),
						http.CanonicalHeaderKey(axis.HeaderSign), http.CanonicalHeaderKey(axis.HeaderHash):
						continue
					}
					static = append(static, name, v[0])
				}
				if gzip {
					static = append(static, "Accept-Encoding", "gzip")
				}
				fmt.Fprintln(w, strings.Join(static, "\t"))
			} else if js != pre+ts+mid+id+post {
				f.Close()
				return nil, fmt.Errorf("the sign-header changed its shape: %q", js)
			}
			fmt.Fprintf(w, "%s\t%s\t%s\n", ts, id, req.Header.Get(axis.HeaderHash))
		}
		if err := errors.Join(w.Flush(), f.Close()); err != nil {
			return nil, err
		}
		files = append(files, path)
	}
	return files, nil
}

// wrkScript sends one pre-signed set per request, thread n from the file
// given as its n-th argument, and prints the figures as JSON at the end.
const wrkScript = `
local threads = {}
local counter = 1

function setup(thread)
  thread:set("id", counter)
  table.insert(threads, thread)
  counter = counter + 1
end

function init(args)
  local path = args[id]
  local f = assert(io.open(path, "r"))
  local tmpl = f:read("*l")
  local a, b, c = tmpl:match("^([^\t]*)\t([^\t]*)\t([^\t]*)$")
  pre, mid, post = a, b, c
  static = {}
  local line = f:read("*l")
  local k
  for field in (line .. "\t"):gmatch("([^\t]*)\t") do
    if k == nil then k = field else static[k] = field; k = nil end
  end
  ts, rid, mac = {}, {}, {}
  n = 0
  for l in f:lines() do
    local x, y, z = l:match("^([^\t]*)\t([^\t]*)\t([^\t]*)$")
    n = n + 1
    ts[n], rid[n], mac[n] = x, y, z
  end
  f:close()
  i, sent, exhausted = 0, 0, 0
end

function request()
  sent = sent + 1
  i = i + 1
  if i > n then i = 1 end
  if sent > n then exhausted = exhausted + 1 end
  local h = {}
  for k, v in pairs(static) do h[k] = v end
  h["XroadVnpt-timestamp"] = ts[i]
  h["XroadVnpt-requestid"] = rid[i]
  h["XroadVnpt-sign-header"] = pre .. ts[i] .. mid .. rid[i] .. post
  h["XroadVnpt-hash-header"] = mac[i]
  return wrk.format("POST", nil, h, "")
end

function done(summary, latency, requests)
  local ex = 0
  for _, t in ipairs(threads) do ex = ex + (t:get("exhausted") or 0) end
  local e = summary.errors
  io.write(string.format('AXISBENCH {"requests":%d,"bytes":%d,"duration_us":%d,"p50_us":%d,"p99_us":%d,"max_us":%d,"status":%d,"connect":%d,"read":%d,"write":%d,"timeout":%d,"exhausted":%d}\n',
    summary.requests, summary.bytes, summary.duration, latency:percentile(50), latency:percentile(99), latency.max,
    e.status, e.connect, e.read, e.write, e.timeout, ex))
end
`

// runWrk runs wrk against url's getReceivedEdocList with the pre-signed
// files, one per thread.
func runWrk(ctx context.Context, dir, url string, threads, clients int, d time.Duration, files []string) (listResult, error) {
	script := filepath.Join(dir, "presigned.lua")
	if err := os.WriteFile(script, []byte(wrkScript), 0o600); err != nil {
		return listResult{}, err
	}
	args := []string{"-t", strconv.Itoa(threads), "-c", strconv.Itoa(clients), "-d", strconv.Itoa(max(1, int(d.Round(time.Second).Seconds()))) + "s",
		"--timeout", "30s", "-s", script, url + "/" + axis.CallReceivedList, "--"}
	args = append(args, files...)
	cmd := exec.CommandContext(ctx, "wrk", args...) //nolint:gosec // wrk with the benchmark's own arguments
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return listResult{}, fmt.Errorf("wrk: %w\n%s", err, out.String())
	}
	var got struct {
		Requests, Bytes, DurationUS, P50, P99, Max, Status, Connect, Read, Write, Timeout, Exhausted int64
	}
	found := false
	for _, line := range strings.Split(out.String(), "\n") {
		if rest, ok := strings.CutPrefix(line, "AXISBENCH "); ok {
			var raw map[string]int64
			if err := json.Unmarshal([]byte(rest), &raw); err != nil {
				return listResult{}, fmt.Errorf("wrk's figures: %w: %s", err, rest)
			}
			got.Requests, got.Bytes, got.DurationUS, got.P50, got.P99, got.Max = raw["requests"], raw["bytes"], raw["duration_us"], raw["p50_us"], raw["p99_us"], raw["max_us"]
			got.Status, got.Connect, got.Read, got.Write, got.Timeout, got.Exhausted = raw["status"], raw["connect"], raw["read"], raw["write"], raw["timeout"], raw["exhausted"]
			found = true
		}
	}
	if !found || got.DurationUS <= 0 {
		return listResult{}, fmt.Errorf("wrk printed no figures:\n%s", out.String())
	}
	us := func(v int64) time.Duration { return time.Duration(v) * time.Microsecond }
	return listResult{
		Clients: clients, Duration: us(got.DurationUS), Requests: got.Requests, Bytes: got.Bytes,
		RPS: float64(got.Requests) / us(got.DurationUS).Seconds(),
		P50: us(got.P50), P99: us(got.P99), Max: us(got.Max),
		Non2xx: got.Status, SockErrs: got.Connect + got.Read + got.Write + got.Timeout, Exhausted: got.Exhausted,
	}, nil
}
