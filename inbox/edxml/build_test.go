package edxml

import (
	"archive/zip"
	"bytes"
	"encoding/base64"
	"fmt"
	"strings"
	"testing"
	"time"
)

// testAtt is an attachment of a packet built by testPacket.
type testAtt struct {
	refID, attID string // ContentId in the manifest and in the attachment
	name         string
	refName      string // the manifest's AttachmentName when not name
	content      []byte
	zip          bool   // wrap content in a ZIP (entry named entry, or name)
	entry        string // name of the ZIP entry
	b64          string // the encoded content as written, overriding content
	nameAfter    bool   // AttachmentName after ContentTransferEncoded (a field order)
	noManifest   bool   // leave it out of the manifest
	extra        string // unknown XML in the Attachment element
}

// testPacket builds small edXML packets for tests, in the field's layout.
type testPacket struct {
	typ, typeName  string // DocumentType
	date, dueDate  string // PromulgationDate, DueDate
	timestamp      string // TraceHeader/Timestamp
	signature      string // written in edXMLHeader
	header         string // extra XML at the end of MessageHeader
	ns             string // root namespace; "" is the edXML one
	atts           []testAtt
	extraManifest  []string // references without an attachment (content ids)
	noAttachEncode bool
}

func zipBytes(t testing.TB, entry string, content []byte, method uint16) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, err := zw.CreateHeader(&zip.FileHeader{Name: entry, Method: method, Modified: time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write(content); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func xmlText(s string) string {
	var b sb
	escapeText(&b, s)
	return b.String()
}

func (p testPacket) bytes(t testing.TB) []byte {
	t.Helper()
	ns := p.ns
	if ns == "" {
		ns = Namespace
	}
	typ, typeName := p.typ, p.typeName
	if typ == "" {
		typ = "1"
	}
	if typeName == "" {
		typeName = "Công văn"
	}
	date := p.date
	if date == "" {
		date = "2024/03/01"
	}
	ts := p.timestamp
	if ts == "" {
		ts = "2024/03/01 08:30:00"
	}
	var b strings.Builder
	fmt.Fprintf(&b, `<?xml version="1.0" encoding="utf-8"?>
<edXML xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns="%s">
<edXML:edXMLEnvelope xmlns:edXML="%s">
<edXML:edXMLHeader>
<edXML:MessageHeader>
<edXML:From><edXML:OrganId>000.00.00.H41</edXML:OrganId><edXML:OrganName>UBND Tỉnh Nghệ An</edXML:OrganName></edXML:From>
<edXML:To><edXML:OrganId>000.00.00.G22</edXML:OrganId><edXML:OrganName>Văn phòng Chính phủ</edXML:OrganName></edXML:To>
<edXML:Code><edXML:CodeNumber>12</edXML:CodeNumber><edXML:CodeNotation>UBND-VP</edXML:CodeNotation></edXML:Code>
<edXML:PromulgationInfo><edXML:Place>Nghệ An</edXML:Place><edXML:PromulgationDate>%s</edXML:PromulgationDate></edXML:PromulgationInfo>
<edXML:DocumentType><edXML:Type>%s</edXML:Type><edXML:TypeName>%s</edXML:TypeName></edXML:DocumentType>
<edXML:Subject>V/v báo cáo tình hình</edXML:Subject>
<edXML:DueDate>%s</edXML:DueDate>
<edXML:DocumentId>000.00.00.H41,2024/03/01,12/UBND-VP</edXML:DocumentId>%s
</edXML:MessageHeader>
<edXML:TraceHeaderList><edXML:TraceHeader><edXML:OrganId>000.00.00.H41</edXML:OrganId><edXML:Timestamp>%s</edXML:Timestamp></edXML:TraceHeader></edXML:TraceHeaderList>%s
</edXML:edXMLHeader>
<edXML:edXMLBody><edXML:edXMLManifest version="1.0">
`, ns, Namespace, date, typ, xmlText(typeName), p.dueDate, p.header, ts, p.signature)
	for _, a := range p.atts {
		if a.noManifest {
			continue
		}
		refName := a.refName
		if refName == "" {
			refName = a.name
		}
		fmt.Fprintf(&b, "<edXML:Reference><edXML:ContentId>%s</edXML:ContentId><edXML:ContentType>application/octet-stream</edXML:ContentType><edXML:AttachmentName>%s</edXML:AttachmentName></edXML:Reference>\n",
			xmlText(a.refID), xmlText(refName))
	}
	for _, id := range p.extraManifest {
		fmt.Fprintf(&b, "<edXML:Reference><edXML:ContentId>%s</edXML:ContentId><edXML:AttachmentName>thieu.pdf</edXML:AttachmentName></edXML:Reference>\n", id)
	}
	b.WriteString("</edXML:edXMLManifest></edXML:edXMLBody>\n</edXML:edXMLEnvelope>\n")
	if !p.noAttachEncode {
		b.WriteString("<AttachmentEncoded>\n")
		for _, a := range p.atts {
			enc := a.b64
			if enc == "" {
				c := a.content
				if a.zip {
					entry := a.entry
					if entry == "" {
						entry = a.name
					}
					c = zipBytes(t, entry, c, zip.Deflate)
				}
				enc = base64.StdEncoding.EncodeToString(c)
			}
			name := "<AttachmentName>" + xmlText(a.name) + "</AttachmentName>"
			fmt.Fprintf(&b, "<Attachment><ContentId>%s</ContentId>", xmlText(a.attID))
			if !a.nameAfter {
				b.WriteString(name)
			}
			fmt.Fprintf(&b, "<Description>Tệp đính kèm</Description><ContentType>application/octet-stream</ContentType><ContentTransferEncoded>%s</ContentTransferEncoded>", enc)
			if a.nameAfter {
				b.WriteString(name)
			}
			b.WriteString(a.extra + "</Attachment>\n")
		}
		b.WriteString("</AttachmentEncoded>\n")
	}
	b.WriteString("</edXML>\n")
	return []byte(b.String())
}

// statusPacket builds a status packet with the given code.
func statusPacket(code, timestamp string) []byte {
	return []byte(`<?xml version="1.0" encoding="UTF-8"?>
<edXML xmlns="http://www.mic.gov.vn/TBT/QCVN_102_2016">
  <edXML:edXMLEnvelope xmlns:edXML="http://www.mic.gov.vn/TBT/QCVN_102_2016">
    <edXML:edXMLHeader>
      <edXML:Status>
        <edXML:ResponseFor>
          <edXML:OrganId>000.00.00.G22</edXML:OrganId>
          <edXML:Code>7816/VPCP-TTĐT</edXML:Code>
          <edXML:PromulgationDate>2018/09/20</edXML:PromulgationDate>
          <edXML:DocumentId>000.00.00.G22,2018/09/20,7816/VPCP-TTĐT</edXML:DocumentId>
        </edXML:ResponseFor>
        <edXML:From>
          <edXML:OrganId>000.00.00.H41</edXML:OrganId>
          <edXML:OrganName>UBND Tỉnh Nghệ An</edXML:OrganName>
          <edXML:OrganizationInCharge>UBND Tỉnh Nghệ An</edXML:OrganizationInCharge>
          <edXML:OrganAdd>Số 03, đường Trường Thi, Thành phố Vinh, Tỉnh Nghệ An, Việt Nam</edXML:OrganAdd>
          <edXML:Email>nghean@gov.vn</edXML:Email>
          <edXML:Telephone>0383 840418</edXML:Telephone>
          <edXML:Fax>0383 843049</edXML:Fax>
          <edXML:Website>www.nghean.vn</edXML:Website>
        </edXML:From>
        <edXML:StatusCode>` + code + `</edXML:StatusCode>
        <edXML:Description>Văn thư - Phòng Văn thư - Lưu trữ: trạng thái ` + code + `</edXML:Description>
        <edXML:Timestamp>` + timestamp + `</edXML:Timestamp>
        <edXML:StaffInfo>
          <edXML:Department>Văn thư văn phòng</edXML:Department>
          <edXML:Staff>Nguyễn Thị Ngọc Trâm</edXML:Staff>
          <edXML:Email>vanthuvanphong@gov.vn</edXML:Email>
          <edXML:Mobile>84912000001</edXML:Mobile>
        </edXML:StaffInfo>
        <vt:LyDo xmlns:vt="urn:vanthu:test">Gửi nhầm đơn vị</vt:LyDo>
      </edXML:Status>
    </edXML:edXMLHeader>
  </edXML:edXMLEnvelope>
</edXML>
`)
}
