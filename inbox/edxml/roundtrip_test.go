package edxml

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"
)

func TestFullPacket(t *testing.T) {
	packet := readTestdata(t, "full.edxml")
	sink := newMemSink()
	e := decode(t, packet, sink)

	h := e.Header
	checks := []struct {
		what      string
		got, want any
	}{
		{"From.OrganID", h.From.OrganID, "000.00.00.G22"},
		{"From.OrganAdd", h.From.OrganAdd, "Số 1 Hoàng Hoa Thám, Ba Đình, Hà Nội"},
		{"To count", len(h.To), 3},
		{"To[0].OrganName", h.To[0].OrganName, "UBND Tỉnh Nghệ An"},
		{"DocumentID", h.DocumentID, "000.00.00.G22,2018/09/20,7816/VPCP-TTĐT"},
		{"Code", h.Code.CodeNumber + "/" + h.Code.CodeNotation, "7816/VPCP-TTĐT"},
		{"Place", h.PromulgationInfo.Place, "Hà Nội"},
		{"PromulgationDate", h.PromulgationInfo.PromulgationDate.String(), "2018/09/20"},
		{"PromulgationDate time", h.PromulgationInfo.PromulgationDate.Time.Equal(time.Date(2018, 9, 19, 17, 0, 0, 0, time.UTC)), true},
		{"Type", h.DocumentType.Type, 1},
		{"TypeName", h.DocumentType.TypeName, "Công văn"},
		{"Subject", h.Subject, "V/v triển khai kết nối, liên thông phần mềm quản lý văn bản & điều hành"},
		{"Content", h.Content, "Đề nghị các Bộ, ngành, địa phương <khẩn trương> thực hiện. Trân trọng."},
		{"Competence", h.SignerInfo.Competence, "KT. BỘ TRƯỞNG, CHỦ NHIỆM"},
		{"DueDate", h.DueDate.String(), "2018/10/05"},
		{"Priority", h.OtherInfo.Priority, PriorityVeryUrgent},
		{"PageAmount", h.OtherInfo.PageAmount, 3},
		{"PromulgationAmount", h.OtherInfo.PromulgationAmount, 15},
		{"Appendix count", len(h.OtherInfo.Appendixes.Appendix), 2},
		{"SteeringType", h.SteeringType, "1"},
		{"ToPlaces", len(h.ToPlaces.Place), 3},
		{"ResponseFor count", len(h.ResponseFor), 2},
		{"ResponseFor[1] date form", h.ResponseFor[1].PromulgationDate.Form, FormDateTime},
		{"TraceHeader count", len(e.Trace.TraceHeader), 2},
		{"Timestamp", e.Trace.TraceHeader[0].Timestamp.String(), "2018/09/20 10:15:30"},
		{"TraceHeaderList attrs", len(e.Trace.Extra.Attrs), 4},
		{"BusinessDocType", e.Trace.Business.BusinessDocType, DocReplace},
		{"Paper", e.Trace.Business.Paper, 1},
		{"Staff", e.Trace.Business.StaffInfo.Staff, "Nguyễn Thị Ngọc Trâm"},
		{"Receivers", len(e.Trace.Business.BusinessDocumentInfo.ReceiverList.Receiver), 2},
		{"Replacement organs", len(e.Trace.Business.ReplacementInfoList.ReplacementInfo[0].OrganIDList.OrganID), 2},
		{"unknown in From", len(h.From.Extra.Elems), 1},
		{"unknown in MessageHeader after Subject", h.Extra.Elems[0].After, "Subject"},
		{"unknown in OtherInfo after PageAmount", h.OtherInfo.Extra.Elems[0].After, "PageAmount"},
		{"unknown in Business", len(e.Trace.Business.Extra.Elems), 1},
		{"DigitalSignature kept", len(e.HeaderExtra.Elems), 1},
		{"Signature", e.Signature, ""},
		{"References", len(e.Manifest.References), 2},
		{"Reference xlink attrs", len(e.Manifest.References[0].Extra.Attrs), 3},
		{"Attachments", len(e.Attachments), 2},
		{"att1 name", e.Attachments[0].Name, "Công văn 7816.pdf"},
		{"att1 raw", e.Attachments[0].Raw, false},
		{"att2 raw", e.Attachments[1].Raw, true},
		{"att2 name", e.Attachments[1].Name, "Phụ lục I.txt"},
		{"live blobs", sink.liveCount(), 2},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s: got %#v, want %#v", c.what, c.got, c.want)
		}
	}
	if got := h.Extra.Elems[0].XML; got != `<vt:GhiChu xmlns:vt="urn:vanthu:test" vt:muc="1">Ghi chú <vt:b>quan trọng</vt:b> của văn thư</vt:GhiChu>` {
		t.Errorf("raw unknown element: %s", got)
	}
	pdf := sink.blobs[e.Attachments[0].Ref]
	if !bytes.HasPrefix(pdf, []byte("%PDF-1.4")) {
		t.Errorf("attachment 1 is not the unwrapped PDF: %q", pdf[:min(len(pdf), 20)])
	}
	txt := sink.blobs[e.Attachments[1].Ref]
	if !strings.HasPrefix(string(txt), "Phụ lục I: Danh sách") {
		t.Errorf("attachment 2: %q", txt)
	}
	if sink.puts[0].ContentID != "3f2a9c1e-5b7d-4e21-9a0f-6c8d2b1e7a44" || sink.puts[0].Raw {
		t.Errorf("sink told %+v", sink.puts[0])
	}

	_, out := roundTrip(t, packet)
	// Deterministic: equal input, equal bytes.
	e2 := decode(t, out, sink)
	if again := encode(t, e2, sink, EncodeOptions{}); !bytes.Equal(again, out) {
		t.Error("encoding the same packet twice gives different bytes")
	}
	if !bytes.Contains(out, []byte(`xmlns:edXML="`+Namespace+`"`)) || !bytes.Contains(out, []byte("<edXML:MessageHeader>")) {
		t.Error("output does not use the edXML: prefix")
	}
	if !bytes.Contains(out, []byte("Nguyễn Văn Tùng")) {
		t.Error("Vietnamese text is not written as UTF-8")
	}
}

func TestEncodeFromScratch(t *testing.T) {
	e := &Edoc{
		Header: MessageHeader{
			From:       Organization{OrganID: "000.00.00.H41", OrganName: "UBND Tỉnh Nghệ An"},
			To:         []Organization{{OrganID: "000.00.00.G22", OrganName: "Văn phòng Chính phủ"}},
			DocumentID: "000.00.00.H41,2024/03/01,12/UBND-VP",
			Subject:    "V/v báo cáo <quý I> & kế hoạch",
		},
		Attachments: []Attachment{
			{Name: "Báo cáo.pdf", ContentType: "application/pdf"},
			{Name: "Số liệu.xlsx", ContentType: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", Raw: true},
		},
	}
	src := mapSource{"Báo cáo.pdf": []byte("%PDF-1.7 báo cáo"), "Số liệu.xlsx": bytes.Repeat([]byte("x"), 1000)}
	out := encode(t, e, src, EncodeOptions{})
	sink := newMemSink()
	got := decode(t, out, sink)
	if len(got.Manifest.References) != 2 || got.Manifest.References[0].AttachmentName != "Báo cáo.pdf" {
		t.Fatalf("manifest: %+v", got.Manifest.References)
	}
	if !strings.HasPrefix(got.Manifest.References[0].ContentID, "cid:") || strings.HasPrefix(got.Attachments[0].ContentID, "cid:") {
		t.Errorf("content ids: manifest %q, attachment %q", got.Manifest.References[0].ContentID, got.Attachments[0].ContentID)
	}
	if string(sink.blobs[got.Attachments[0].Ref]) != "%PDF-1.7 báo cáo" || got.Attachments[0].Raw {
		t.Error("attachment 1 did not come back unwrapped")
	}
	if len(sink.blobs[got.Attachments[1].Ref]) != 1000 || !got.Attachments[1].Raw {
		t.Error("attachment 2 did not come back raw")
	}
	if got.Header.Subject != e.Header.Subject {
		t.Errorf("subject %q", got.Header.Subject)
	}
	// 76-column base64 lines.
	for _, line := range strings.Split(string(out), "\n") {
		if len(line) > 76 && !strings.Contains(line, "<") {
			t.Fatalf("base64 line of %d columns", len(line))
		}
	}
	if err := EncodeEdoc(context.Background(), &bytes.Buffer{}, &Edoc{}, nil, EncodeOptions{}); err == nil {
		t.Error("an empty document encodes")
	}
}
