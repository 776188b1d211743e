package demodoc

import (
	"fmt"
	"strconv"
	"time"
)

// Example returns a realistic document of the given kind, the same for the
// same seed: an agency of the built-in bank (with its organisation code),
// a subject, a body of everyday administrative Vietnamese, the signer and
// the distribution list, dated in 2026.
func Example(kind Kind, seed int64) Spec {
	r := &rng{state: uint64(seed)*0x2545f4914f6cdd1d + uint64(kind)}
	ag := pick(r, agencies())
	tp := pick(r, topics())
	law := laws()[tp.law]
	unit := pick(r, ag.units)
	year := 2026
	date := time.Date(year, time.Month(1+r.intn(12)), 1+r.intn(28), 0, 0, 0, 0, time.UTC)
	s := Spec{
		Kind:         kind,
		Agency:       ag.name,
		ParentAgency: ag.parent,
		AgencyCode:   ag.code,
		Number:       strconv.Itoa(1 + r.intn(2999)),
		Place:        ag.place,
		Date:         date,
		SignerName:   pick(r, signerNames()),
	}
	if r.intn(3) == 0 {
		s.SignerTitle = ag.head
	} else {
		s.SignerPrefix, s.SignerTitle = "KT. "+ag.head, ag.deputy
	}
	plan := fmt.Sprintf("Kế hoạch %s năm %d", tp.phrase, year)
	keep := "- Lưu: VT, " + unit + "."
	leaders := "- Lãnh đạo " + ag.self + ";"
	points := pickN(r, tasks(), 2)
	switch kind {
	case CongVan:
		s.Notation = ag.abbr + "-" + unit
		s.Subject = "V/v " + tp.phrase
		s.Recipients = letterRecipients(r, ag.audience)
		s.Body = []string{
			fmt.Sprintf("Thực hiện %s, để việc %s bảo đảm hiệu quả, đúng quy định, %s đề nghị các cơ quan, đơn vị thực hiện một số nội dung sau:", law, tp.phrase, ag.self),
			"1. " + tp.details[0],
			"2. " + fmt.Sprintf(points[0], tp.phrase),
			"3. " + fmt.Sprintf(points[1], tp.phrase),
			fmt.Sprintf("4. Định kỳ hằng quý, báo cáo kết quả thực hiện về %s trước ngày 20 của tháng cuối quý để tổng hợp, báo cáo cấp có thẩm quyền.", ag.self),
			fmt.Sprintf("Trong quá trình thực hiện, nếu có khó khăn, vướng mắc, đề nghị phản ánh kịp thời về %s để được hướng dẫn, giải quyết./.", ag.self),
		}
		s.Distribution = []string{"- Như trên;", leaders, keep}
	case QuyetDinh:
		s.Notation = "QĐ-" + ag.abbr
		s.Subject = "Về việc ban hành " + plan
		s.Body = []string{
			ag.authority,
			"Căn cứ " + ag.basis + ";",
			"Căn cứ " + law + ";",
			"Theo đề nghị của " + ag.proposer + ".",
			"QUYẾT ĐỊNH:",
			"Điều 1. Ban hành kèm theo Quyết định này " + plan + ".",
			"Điều 2. Quyết định này có hiệu lực kể từ ngày ký.",
			"Điều 3. " + ag.proposer + ", Thủ trưởng các cơ quan, đơn vị và các cá nhân có liên quan chịu trách nhiệm thi hành Quyết định này./.",
		}
		s.Distribution = []string{"- Như Điều 3;", "- " + ag.superior + " (để báo cáo);", leaders, keep}
	case ToTrinh:
		s.Notation = "TTr-" + ag.abbr
		s.Subject = "Về việc đề nghị phê duyệt " + plan
		s.Recipients = []string{ag.superior}
		s.Body = []string{
			fmt.Sprintf("Thực hiện %s, %s đã chủ trì, phối hợp với các cơ quan, đơn vị liên quan xây dựng dự thảo %s. %s kính trình %s xem xét, phê duyệt với các nội dung chính như sau:", law, ag.self, plan, ag.self, ag.superior),
			"I. SỰ CẦN THIẾT",
			tp.details[len(tp.details)-1],
			"II. NỘI DUNG CHỦ YẾU CỦA KẾ HOẠCH",
			"1. " + fmt.Sprintf(points[0], tp.phrase),
			"2. " + fmt.Sprintf(points[1], tp.phrase),
			"Dự thảo Kế hoạch đã được gửi lấy ý kiến các cơ quan, đơn vị liên quan; các ý kiến góp ý đã được tiếp thu, giải trình đầy đủ.",
			fmt.Sprintf("%s kính trình %s xem xét, phê duyệt./.", ag.self, ag.superior),
		}
		s.Distribution = []string{"- Như trên;", leaders, keep}
	case ThongBao:
		s.Notation = "TB-" + ag.abbr
		s.Subject = "Kết luận cuộc họp về việc " + tp.phrase
		met := date.AddDate(0, 0, -1-r.intn(5))
		s.Body = []string{
			fmt.Sprintf("Ngày %s, lãnh đạo %s đã chủ trì cuộc họp về việc %s. Tham dự cuộc họp có lãnh đạo các cơ quan, đơn vị liên quan.", dayMonthYear(met), ag.self, tp.phrase),
			fmt.Sprintf("Sau khi nghe báo cáo của cơ quan chủ trì và ý kiến của các đại biểu dự họp, lãnh đạo %s kết luận như sau:", ag.self),
			"1. " + tp.details[0],
			"2. " + fmt.Sprintf(points[0], tp.phrase),
			"3. " + fmt.Sprintf(points[1], tp.phrase),
			fmt.Sprintf("%s thông báo để các cơ quan, đơn vị biết, thực hiện./.", ag.self),
		}
		s.Distribution = []string{"- Các cơ quan, đơn vị dự họp;", leaders, keep}
	case PhuLuc:
		s.Notation = "QĐ-" + ag.abbr
		s.Subject = upper(fmt.Sprintf("Danh mục nhiệm vụ %s năm %d", tp.phrase, year))
		s.Table = [][]string{{"STT", "Nội dung nhiệm vụ", "Cơ quan chủ trì", "Thời gian hoàn thành"}}
		for i, task := range pickN(r, appendixTasks(), 5+r.intn(4)) {
			s.Table = append(s.Table, []string{
				strconv.Itoa(i + 1), task, pick(r, appendixLeads()), pick(r, appendixDeadlines(year)),
			})
		}
	}
	return s
}

// letterRecipients are a letter's "Kính gửi:" lines: one recipient as is,
// several as a list ("- …;" and "- … .").
func letterRecipients(r *rng, audience []string) []string {
	n := 1 + r.intn(len(audience))
	if n == 1 {
		return []string{pick(r, audience)}
	}
	chosen := pickN(r, audience, n)
	out := make([]string, n)
	for i, a := range chosen {
		end := ";"
		if i == n-1 {
			end = "."
		}
		out[i] = "- " + a + end
	}
	return out
}

// dayMonthYear is "ngày 05 tháng 3 năm 2026" without the "ngày".
func dayMonthYear(d time.Time) string {
	return dateLine("", d)[len(", ngày "):]
}

// rng is a splitmix64 generator: small, fast and the same everywhere, so
// that an example depends on nothing but its seed.
type rng struct{ state uint64 }

func (r *rng) next() uint64 {
	r.state += 0x9e3779b97f4a7c15
	z := r.state
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// intn returns a number in [0, n); n must be positive.
func (r *rng) intn(n int) int { return int(r.next() % uint64(n)) }

func pick[T any](r *rng, xs []T) T { return xs[r.intn(len(xs))] }

// pickN returns n distinct elements of xs (all of them when n ≥ len(xs)),
// in xs's order.
func pickN[T any](r *rng, xs []T, n int) []T {
	idx := make([]int, len(xs))
	for i := range idx {
		idx[i] = i
	}
	for i := len(idx) - 1; i > 0; i-- {
		j := r.intn(i + 1)
		idx[i], idx[j] = idx[j], idx[i]
	}
	n = min(n, len(xs))
	keep := make([]bool, len(xs))
	for _, i := range idx[:n] {
		keep[i] = true
	}
	out := make([]T, 0, n)
	for i, x := range xs {
		if keep[i] {
			out = append(out, x)
		}
	}
	return out
}
