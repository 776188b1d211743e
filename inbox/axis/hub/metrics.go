package hub

import (
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// metrics are counted in memory and written in the Prometheus text format
// (version 0.0.4) by hand.
type metrics struct {
	mu       sync.Mutex
	requests map[[2]string]uint64 // call, code
	latency  map[string]*histogram
	faults   map[string]uint64
	packets  map[string]uint64 // stored, by message type
	bytes    uint64            // packet bytes stored
	panics   uint64
}

var latencyBuckets = []float64{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30}

type histogram struct {
	counts []uint64 // per bucket, not cumulative; the last is +Inf
	sum    float64
	n      uint64
}

func newMetrics() *metrics {
	return &metrics{
		requests: map[[2]string]uint64{},
		latency:  map[string]*histogram{},
		faults:   map[string]uint64{},
		packets:  map[string]uint64{},
	}
}

func (m *metrics) observe(call, code string, d time.Duration) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.requests[[2]string{call, code}]++
	h := m.latency[call]
	if h == nil {
		h = &histogram{counts: make([]uint64, len(latencyBuckets)+1)}
		m.latency[call] = h
	}
	s := d.Seconds()
	i, _ := slices.BinarySearch(latencyBuckets, s)
	h.counts[i]++
	h.sum += s
	h.n++
}

func (m *metrics) fault(kind string) {
	m.mu.Lock()
	m.faults[kind]++
	m.mu.Unlock()
}

func (m *metrics) stored(messageType string, size int64) {
	m.mu.Lock()
	m.packets[messageType]++
	m.bytes += uint64(size)
	m.mu.Unlock()
}

func (m *metrics) panicked() {
	m.mu.Lock()
	m.panics++
	m.mu.Unlock()
}

func label(v string) string {
	return strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`).Replace(v)
}

func sortedKeys[K comparable, V any](m map[K]V, less func(a, b K) int) []K {
	keys := make([]K, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, less)
	return keys
}

// write writes every metric; depth is the queue depth by message type (nil
// when the store did not answer).
func (m *metrics) write(w io.Writer, depth map[string]int) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	var b strings.Builder
	b.WriteString("# HELP axis_requests_total Requests answered, by call and error code (0 is success).\n# TYPE axis_requests_total counter\n")
	for _, k := range sortedKeys(m.requests, func(a, b [2]string) int { return strings.Compare(a[0]+"\x00"+a[1], b[0]+"\x00"+b[1]) }) {
		fmt.Fprintf(&b, "axis_requests_total{call=\"%s\",code=\"%s\"} %d\n", label(k[0]), label(k[1]), m.requests[k])
	}
	b.WriteString("# HELP axis_request_duration_seconds Time to answer a request, by call.\n# TYPE axis_request_duration_seconds histogram\n")
	for _, call := range sortedKeys(m.latency, strings.Compare) {
		h := m.latency[call]
		var cum uint64
		for i, le := range latencyBuckets {
			cum += h.counts[i]
			fmt.Fprintf(&b, "axis_request_duration_seconds_bucket{call=\"%s\",le=\"%s\"} %d\n", label(call), strconv.FormatFloat(le, 'g', -1, 64), cum)
		}
		fmt.Fprintf(&b, "axis_request_duration_seconds_bucket{call=\"%s\",le=\"+Inf\"} %d\n", label(call), h.n)
		fmt.Fprintf(&b, "axis_request_duration_seconds_sum{call=\"%s\"} %s\n", label(call), strconv.FormatFloat(h.sum, 'g', -1, 64))
		fmt.Fprintf(&b, "axis_request_duration_seconds_count{call=\"%s\"} %d\n", label(call), h.n)
	}
	if depth != nil {
		b.WriteString("# HELP axis_queue_depth Deliveries not yet acknowledged done, by message type.\n# TYPE axis_queue_depth gauge\n")
		for _, mt := range sortedKeys(depth, strings.Compare) {
			fmt.Fprintf(&b, "axis_queue_depth{messagetype=\"%s\"} %d\n", label(mt), depth[mt])
		}
	}
	b.WriteString("# HELP axis_packets_stored_total Packets stored, by message type.\n# TYPE axis_packets_stored_total counter\n")
	for _, mt := range []string{MessageEdoc, MessageStatus} {
		fmt.Fprintf(&b, "axis_packets_stored_total{messagetype=\"%s\"} %d\n", mt, m.packets[mt])
	}
	fmt.Fprintf(&b, "# HELP axis_packet_bytes_stored_total Bytes of packets stored.\n# TYPE axis_packet_bytes_stored_total counter\naxis_packet_bytes_stored_total %d\n", m.bytes)
	b.WriteString("# HELP axis_faults_injected_total Faults injected on purpose (--faults), by kind.\n# TYPE axis_faults_injected_total counter\n")
	for _, k := range []string{"5xx", "5xx_after", "drop", "drop_after", "dup", "expire", "delay"} {
		fmt.Fprintf(&b, "axis_faults_injected_total{kind=\"%s\"} %d\n", k, m.faults[k])
	}
	fmt.Fprintf(&b, "# HELP axis_panics_total Requests that panicked (a bug).\n# TYPE axis_panics_total counter\naxis_panics_total %d\n", m.panics)
	_, err := io.WriteString(w, b.String())
	return err
}
