package inbox

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// The benchmarks run over a generated store of 100 000 documents, cached
// under os.TempDir() between runs (building it takes a minute or two). The
// cache key holds benchGenVersion and a hash of the migrations, so a change
// to either builds a new one. -short never builds it.
const (
	benchDocs       = 100_000
	benchGenVersion = "gen3"
)

func benchKey() string {
	h := sha256.New()
	ms, _ := loadMigrations()
	for _, m := range ms {
		h.Write([]byte(m.sql))
	}
	return fmt.Sprintf("vanthu-inbox-bench-%s-%d-%s", benchGenVersion, benchDocs, hex.EncodeToString(h.Sum(nil))[:12])
}

func benchStore(b *testing.B) *Store {
	b.Helper()
	if testing.Short() {
		b.Skip("-short: the 100 000-document store is not built")
	}
	dir := filepath.Join(os.TempDir(), benchKey())
	if _, err := os.Stat(filepath.Join(dir, "ready")); err != nil {
		tmp := dir + fmt.Sprintf(".building-%d", os.Getpid())
		_ = os.RemoveAll(tmp)
		start := time.Now()
		if err := generateBenchStore(context.Background(), tmp, benchDocs); err != nil {
			_ = os.RemoveAll(tmp)
			b.Fatalf("generate: %v", err)
		}
		if err := os.WriteFile(filepath.Join(tmp, "ready"), nil, 0o600); err != nil {
			b.Fatal(err)
		}
		_ = os.RemoveAll(dir)
		if err := os.Rename(tmp, dir); err != nil {
			b.Fatal(err)
		}
		b.Logf("generated %d documents in %v into %s", benchDocs, time.Since(start).Round(time.Second), dir)
	}
	s, err := Open(context.Background(), dir, Options{Now: func() time.Time { return benchNow }})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = s.Close() })
	return s
}

var benchNow = time.Date(2024, 12, 1, 9, 0, 0, 0, time.FixedZone("ICT", 7*3600))

// Word lists for realistic subjects (trích yếu), contents and attachment text.
var (
	benchActions = []string{"triển khai", "báo cáo", "đề nghị", "hướng dẫn", "tăng cường", "góp ý dự thảo",
		"tổ chức", "kiểm tra", "phê duyệt", "thực hiện", "tổng kết", "đôn đốc", "xin ý kiến về", "rà soát",
		"bổ sung kinh phí cho", "chấn chỉnh", "đẩy mạnh", "sơ kết", "điều chỉnh kế hoạch", "giao chỉ tiêu"}
	benchTopics = []string{"công tác phòng chống thiên tai", "chuyển đổi số", "cải cách hành chính",
		"phòng chống dịch bệnh", "quyết toán ngân sách nhà nước", "giải ngân vốn đầu tư công",
		"giải phóng mặt bằng", "an toàn giao thông", "xây dựng nông thôn mới", "bảo vệ môi trường",
		"phòng cháy chữa cháy", "quản lý đất đai", "tuyển dụng viên chức", "thi đua khen thưởng",
		"phổ biến giáo dục pháp luật", "dịch vụ công trực tuyến", "chữ ký số chuyên dùng",
		"trục liên thông văn bản quốc gia", "Nghị định 30/2020/NĐ-CP về công tác văn thư", "an ninh mạng",
		"giảm nghèo bền vững", "bảo hiểm xã hội tự nguyện", "y tế cơ sở", "giáo dục phổ thông",
		"phòng chống tham nhũng", "thực hành tiết kiệm", "quản lý thị trường", "đường giao thông nông thôn",
		"chương trình mục tiêu quốc gia", "kê khai tài sản thu nhập", "sắp xếp đơn vị hành chính",
		"đề án 06 về dữ liệu dân cư", "phòng chống buôn lậu", "nước sạch nông thôn", "đê điều",
		"hiến máu tình nguyện", "tiêm chủng mở rộng", "khắc phục hậu quả bão số 3", "cấp đổi giấy chứng nhận"}
	benchScopes = []string{"trên địa bàn tỉnh", "tại các sở, ban, ngành", "đối với UBND các huyện, thị xã",
		"giai đoạn 2021-2025", "6 tháng đầu năm", "quý III", "năm 2024", "năm 2025", "tháng cao điểm",
		"tại các đơn vị sự nghiệp công lập", "khu vực miền Trung", "trong dịp Tết Nguyên đán"}
	benchSenders = []Organization{
		{Code: "000.00.00.G22", Name: "Văn phòng Chính phủ"}, {Code: "000.00.00.G06", Name: "Bộ Công an"},
		{Code: "000.00.00.G09", Name: "Bộ Kế hoạch và Đầu tư"}, {Code: "000.00.00.G10", Name: "Bộ Tài chính"},
		{Code: "000.00.00.G12", Name: "Bộ Giao thông vận tải"}, {Code: "000.00.00.G13", Name: "Bộ Xây dựng"},
		{Code: "000.00.00.G14", Name: "Bộ Tài nguyên và Môi trường"}, {Code: "000.00.00.G15", Name: "Bộ Thông tin và Truyền thông"},
		{Code: "000.00.00.G17", Name: "Bộ Nông nghiệp và Phát triển nông thôn"}, {Code: "000.00.00.G18", Name: "Bộ Giáo dục và Đào tạo"},
		{Code: "000.00.00.G19", Name: "Bộ Y tế"}, {Code: "000.00.00.G03", Name: "Bộ Nội vụ"},
		{Code: "000.00.00.H40", Name: "UBND tỉnh Hà Tĩnh"}, {Code: "000.00.00.H41", Name: "UBND tỉnh Nghệ An"},
		{Code: "000.00.00.H42", Name: "UBND tỉnh Quảng Bình"}, {Code: "000.00.00.H56", Name: "UBND tỉnh Thanh Hóa"},
		{Code: "000.00.00.H26", Name: "UBND thành phố Hà Nội"}, {Code: "000.00.00.H29", Name: "UBND Thành phố Hồ Chí Minh"},
		{Code: "000.00.00.H17", Name: "UBND thành phố Đà Nẵng"}, {Code: "000.00.00.H31", Name: "UBND thành phố Hải Phòng"},
	}
	benchNotations = []string{"VPCP-TTĐT", "BTC-NSNN", "UBND-KT", "BNV-CCVC", "BYT-DP", "UBND-VX", "BTTTT-CĐSQG", "BKHĐT-TH"}
	benchTypes     = []string{"Công văn", "Quyết định", "Thông báo", "Kế hoạch", "Báo cáo", "Tờ trình", "Chỉ thị"}
	benchSigners   = []string{"Nguyễn Văn An", "Trần Thị Bình", "Lê Hoàng Cường", "Phạm Minh Đức", "Hoàng Thị Hoa",
		"Vũ Đức Đam", "Đặng Quốc Khánh", "Bùi Thanh Sơn", "Đỗ Văn Chiến", "Ngô Thị Thanh Hằng"}
	benchSentences = []string{
		"Thực hiện chỉ đạo của Thủ tướng Chính phủ tại văn bản số 1234/VPCP-KTTH",
		"đề nghị các cơ quan, đơn vị khẩn trương triển khai thực hiện",
		"báo cáo kết quả về Văn phòng Ủy ban nhân dân tỉnh trước ngày 30 hằng tháng",
		"giao Sở Tài chính chủ trì, phối hợp với các sở, ngành liên quan",
		"tổng hợp khó khăn, vướng mắc, đề xuất giải pháp tháo gỡ",
		"bảo đảm tiến độ, chất lượng và hiệu quả",
		"kinh phí thực hiện từ nguồn ngân sách nhà nước theo phân cấp hiện hành",
		"trong quá trình thực hiện, nếu có khó khăn vướng mắc, phản ánh kịp thời",
		"các đơn vị nghiêm túc thực hiện, không để xảy ra tình trạng chậm trễ",
		"căn cứ Luật Tổ chức chính quyền địa phương ngày 19 tháng 6 năm 2015",
	}
)

func pick[T any](r *rand.Rand, xs []T) T { return xs[r.IntN(len(xs))] }

func benchSubject(r *rand.Rand) string {
	return fmt.Sprintf("V/v %s %s %s", pick(r, benchActions), pick(r, benchTopics), pick(r, benchScopes))
}

func benchText(r *rand.Rand, sentences int) string {
	var b strings.Builder
	for i := range sentences {
		if i > 0 {
			b.WriteString(". ")
		}
		b.WriteString(pick(r, benchSentences))
		if r.IntN(3) == 0 {
			b.WriteString(" về " + pick(r, benchTopics))
		}
	}
	return b.String()
}

// generateBenchStore fills a new store in dir with n documents spread over
// three years: 80% incoming in every state, 20% outgoing, 1% recalled.
func generateBenchStore(ctx context.Context, dir string, n int) error {
	r := rand.New(rand.NewPCG(30, 2020))
	self := Organization{Code: "000.00.00.H41", Name: "UBND tỉnh Nghệ An"}
	s, err := Open(ctx, dir, Options{Self: self, EncodeStatus: func(p StatusPacket) ([]byte, error) {
		return []byte("<Status>" + string(p.Code) + p.ResponseFor.DocumentID + "</Status>"), nil
	}})
	if err != nil {
		return err
	}
	defer s.Close()
	var blobs []Blob
	for i := range 50 {
		b, err := s.PutBlob(ctx, strings.NewReader(fmt.Sprintf("%%PDF-1.7 bench attachment %d", i)))
		if err != nil {
			return err
		}
		blobs = append(blobs, b)
	}
	start := time.Date(2022, 1, 1, 8, 0, 0, 0, time.FixedZone("ICT", 7*3600))
	step := benchNow.Sub(start) / time.Duration(n)
	incomingStates := []State{StateArrived, StateRegistered, StateAssigned, StateProcessing, StateDone, StateDone,
		StateDone, StateDone, StateRefused}
	outgoingStates := []State{StateDraft, StateSubmitted, StateApproved, StateIssued, StateIssued, StateIssued}
	const batch = 2000
	for lo := 0; lo < n; lo += batch {
		err := s.write(ctx, func(tx *wtx, _ time.Time) error {
			for i := lo; i < min(lo+batch, n); i++ {
				at := start.Add(time.Duration(i) * step)
				snd := pick(r, benchSenders)
				num := i + 1 // unique, so DocumentIds never collide
				d := &Document{
					DocumentID:        fmt.Sprintf("%s,%s,%d/%s", snd.Code, at.Format("2006/01/02"), num, pick(r, benchNotations)),
					Sender:            snd,
					Recipients:        []Recipient{{Organization: self}},
					CodeNumber:        fmt.Sprint(num),
					CodeNotation:      pick(r, benchNotations),
					PromulgationPlace: "Hà Nội",
					PromulgationDate:  at.AddDate(0, 0, -1),
					TypeName:          pick(r, benchTypes),
					Subject:           benchSubject(r),
					Content:           benchText(r, 2),
					Signer:            Signer{Competence: "KT. BỘ TRƯỞNG", Position: "THỨ TRƯỞNG", FullName: pick(r, benchSigners)},
					Priority:          Priority(max(0, r.IntN(8)-3)),
					Header:            []byte("<edXML:MessageHeader/>"),
				}
				if r.IntN(3) == 0 {
					d.DueDate = at.AddDate(0, 0, 7+r.IntN(30))
				}
				att := []NewAttachment{{Name: fmt.Sprintf("%s_%d.pdf", d.CodeNotation, num), ContentType: "application/pdf",
					Blob: pick(r, blobs), Verdict: "valid", Verification: []byte(`{"verdict":"valid"}`), Text: benchText(r, 12)}}
				if r.IntN(5) == 0 { // outgoing
					d.Sender, d.DocumentID = self, fmt.Sprintf("%s,%s,%d/UBND-VP", self.Code, at.Format("2006/01/02"), i)
					d.Recipients = []Recipient{{Organization: snd}}
					st := StateIssued
					if age := benchNow.Sub(at); age < 30*24*time.Hour || r.IntN(100) == 0 {
						st = pick(r, outgoingStates)
					}
					id, err := insertDocument(ctx, tx, d, Outgoing, st, true, at)
					if err != nil {
						return err
					}
					if err := s.insertAttachments(ctx, tx, id, StageIssued, att, at); err != nil {
						return err
					}
					if err := reindex(ctx, tx, id); err != nil {
						return err
					}
					if err := appendAudit(ctx, tx, at, "gen", ActionCreateDraft, id, nil); err != nil {
						return err
					}
					continue
				}
				id, err := s.insertIncomingTx(ctx, tx, d, att, at)
				if err != nil {
					return err
				}
				// Old documents are mostly finished; the open ones are recent.
				st := StateDone
				if age := benchNow.Sub(at); age < 60*24*time.Hour || r.IntN(50) == 0 {
					st = pick(r, incomingStates)
				} else if r.IntN(20) == 0 {
					st = StateRefused
				}
				read := st != StateArrived || r.IntN(2) == 0
				hidden := r.IntN(100) == 0
				if hidden {
					st = StateRecalled
				}
				if _, err := tx.ExecContext(ctx, `UPDATE documents SET state = ?, folder = ?, read = ?, hidden = ?, frozen = ? WHERE id = ?`,
					string(st), string(folderOf(st)), read, hidden, hidden, id); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	// The axis took all but the last day's packets.
	if _, err := s.w.ExecContext(ctx, `UPDATE outbox SET state = 'sent', axis_doc_id = 'axis-' || id, sent_at = created_at
		WHERE created_at < ?`, benchNow.Add(-24*time.Hour).UnixMilli()); err != nil {
		return err
	}
	_, err = s.w.ExecContext(ctx, `PRAGMA optimize; INSERT INTO doc_fts(doc_fts) VALUES ('optimize'); PRAGMA wal_checkpoint(TRUNCATE)`)
	return err
}

// latencies records one duration per iteration and reports percentiles.
type latencies []time.Duration

func (l latencies) report(b *testing.B) {
	if len(l) == 0 {
		return
	}
	s := slices.Clone(l)
	slices.Sort(s)
	p := func(q float64) float64 {
		return float64(s[min(len(s)-1, int(q*float64(len(s))))]) / float64(time.Millisecond)
	}
	b.ReportMetric(p(0.50), "p50-ms")
	b.ReportMetric(p(0.95), "p95-ms")
	b.ReportMetric(p(0.99), "p99-ms")
}

func BenchmarkListFirstPage(b *testing.B) {
	s := benchStore(b)
	ctx := context.Background()
	cases := []struct {
		name string
		f    Filter
	}{
		{"all", Filter{}},
		{"to_register", Filter{Folder: FolderToRegister}},
		{"to_process", Filter{Folder: FolderToProcess}},
		{"archive", Filter{Folder: FolderArchive}},
		{"drafts", Filter{Folder: FolderDrafts}},
		{"sent", Filter{Folder: FolderSent}},
		{"recalled", Filter{Folder: FolderHidden}},
		{"unread", Filter{Unread: true}},
		{"urgent_to_process", Filter{Folder: FolderToProcess, MinPriority: PriorityVeryUrgent}},
		{"sender", Filter{Sender: "000.00.00.G19"}},
		{"overdue", Filter{Overdue: true}},
		{"last_month", Filter{Since: benchNow.AddDate(0, -1, 0)}},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			var lat latencies
			for b.Loop() {
				t0 := time.Now()
				page, _, err := s.List(ctx, c.f, Page{Limit: 50})
				lat = append(lat, time.Since(t0))
				if err != nil || len(page) == 0 {
					b.Fatalf("%v %d", err, len(page))
				}
			}
			lat.report(b)
		})
	}
}

// benchQueries are what clerks type: topics, agencies, numbers, people, and
// half-typed words, with and without diacritics.
var benchQueries = []string{
	"phòng chống thiên tai", "chuyen doi so", "quyết toán ngân sách", "giai ngan von dau tu cong",
	"nghị định 30", "bộ tài chính", "ubnd tinh ha tinh", "1234/VPCP", "BTC-NSNN", "chữ ký số",
	"an ninh mang", "tiêm chủng", "khac phuc hau qua bao", "đường giao thông nông thôn", "Vũ Đức Đam",
	"ke khai tai san", "sắp xếp đơn vị hành", "nuoc sach", "hiến máu", "đê đi", "bao hiem xa hoi tu nguyen",
	"tet nguyen dan", "cấp đổi giấy", "quy III bao cao", "phong chong tham nhung nam 2024",
}

func BenchmarkSearch(b *testing.B) {
	s := benchStore(b)
	ctx := context.Background()
	run := func(b *testing.B, f Filter) {
		var lat latencies
		i := 0
		for b.Loop() {
			q := benchQueries[i%len(benchQueries)]
			i++
			t0 := time.Now()
			_, err := s.Search(ctx, q, f, 20)
			lat = append(lat, time.Since(t0))
			if err != nil {
				b.Fatal(err)
			}
		}
		lat.report(b)
	}
	b.Run("all", func(b *testing.B) { run(b, Filter{}) })
	b.Run("incoming_to_process", func(b *testing.B) { run(b, Filter{Folder: FolderToProcess}) })
	b.Run("last_year", func(b *testing.B) { run(b, Filter{Since: benchNow.AddDate(-1, 0, 0)}) })
}

// BenchmarkSearchPerQuery shows which queries are slow.
func BenchmarkSearchPerQuery(b *testing.B) {
	s := benchStore(b)
	ctx := context.Background()
	for _, q := range benchQueries {
		b.Run(strings.ReplaceAll(q, " ", "_"), func(b *testing.B) {
			var lat latencies
			hits := 0
			for b.Loop() {
				t0 := time.Now()
				h, err := s.Search(ctx, q, Filter{}, 20)
				lat = append(lat, time.Since(t0))
				if err != nil {
					b.Fatal(err)
				}
				hits = len(h)
			}
			b.ReportMetric(float64(hits), "hits")
			lat.report(b)
		})
	}
}

func BenchmarkCounts(b *testing.B) {
	s := benchStore(b)
	ctx := context.Background()
	var lat latencies
	for b.Loop() {
		t0 := time.Now()
		if _, err := s.Counts(ctx); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(t0))
	}
	lat.report(b)
}

func BenchmarkGet(b *testing.B) {
	s := benchStore(b)
	ctx := context.Background()
	var lat latencies
	i := int64(0)
	for b.Loop() {
		i = i%benchDocs + 1
		t0 := time.Now()
		if _, err := s.Get(ctx, i*7919%benchDocs+1); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(t0))
	}
	lat.report(b)
}
