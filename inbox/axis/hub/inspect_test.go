package hub

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

const ns = `xmlns:edXML="http://www.mic.gov.vn/TBT/QCVN_102_2016"`

func TestInspectPacket(t *testing.T) {
	doc := `<?xml version="1.0" encoding="utf-8"?>
<edXML:edXML ` + ns + `><edXML:edXMLEnvelope><edXML:edXMLHeader><edXML:MessageHeader>
<edXML:From><edXML:OrganId> 000.00.00.G22 </edXML:OrganId></edXML:From>
<edXML:To><edXML:OrganId>000.00.00.H41</edXML:OrganId></edXML:To><To><OrganId>000.00.00.H23</OrganId></To>
<edXML:DocumentId>000.00.00.G22,2026/11/26,7816/VPCP-TTĐT</edXML:DocumentId>
<edXML:Code><edXML:CodeNumber>7816</edXML:CodeNumber><edXML:CodeNotation>VPCP-TTĐT</edXML:CodeNotation></edXML:Code>
<edXML:Subject>Về việc &amp; <![CDATA[thử]]></edXML:Subject>
<edXML:ResponseFor><edXML:OrganId>000.00.00.X01</edXML:OrganId><edXML:DocumentId>khác</edXML:DocumentId></edXML:ResponseFor>
</edXML:MessageHeader></edXML:edXMLHeader></edXML:edXMLEnvelope>
<AttachmentEncoded><Attachment><edXML:ContentTransferEncoded>JVBERi0=</edXML:ContentTransferEncoded></Attachment></AttachmentEncoded>
</edXML:edXML>
<!-- trailing comment -->
`
	p, err := inspectPacket(strings.NewReader(doc))
	if err != nil {
		t.Fatal(err)
	}
	if p.Kind != MessageEdoc || p.From != "000.00.00.G22" || !slices.Equal(p.To, []string{"000.00.00.H41", "000.00.00.H23"}) ||
		p.DocumentID != "000.00.00.G22,2026/11/26,7816/VPCP-TTĐT" || p.Notation() != "7816/VPCP-TTĐT" || p.Subject != "Về việc & thử" {
		t.Errorf("edoc: got %+v", p)
	}

	status := `<edXML ` + strings.Replace(ns, "xmlns:edXML", "xmlns", 1) + `><edXMLEnvelope><edXMLHeader><Status>
<ResponseFor><OrganId>000.00.00.G22</OrganId><Code><CodeNumber>7816</CodeNumber></Code><DocumentId>d-1</DocumentId></ResponseFor>
<From><OrganId>000.00.00.H41</OrganId></From><StatusCode>03</StatusCode><Description>Đã vào sổ</Description>
</Status></edXMLHeader></edXMLEnvelope></edXML>`
	p, err = inspectPacket(strings.NewReader(status))
	if err != nil {
		t.Fatal(err)
	}
	if p.Kind != MessageStatus || p.From != "000.00.00.H41" || p.StatusCode != "03" || p.StatusDesc != "Đã vào sổ" ||
		p.ResponseForOrg != "000.00.00.G22" || p.ResponseForDoc != "d-1" || len(p.To) != 0 {
		t.Errorf("status: got %+v", p)
	}

	root := func(inner string) string { return `<edXML:edXML ` + ns + `>` + inner + `</edXML:edXML>` }
	header := `<edXML:MessageHeader><edXML:From><edXML:OrganId>000.00.00.G22</edXML:OrganId></edXML:From></edXML:MessageHeader>`
	if _, err := inspectPacket(strings.NewReader(root(header))); err != nil {
		t.Fatalf("minimal edoc: %v", err)
	}
	deep := strings.Repeat("<a>", maxXMLDepth) + strings.Repeat("</a>", maxXMLDepth)
	bad := map[string]string{
		"empty":              "",
		"text":               "hello",
		"html":               "<html><body/></html>",
		"no namespace":       `<edXML>` + header + `</edXML>`,
		"other namespace":    `<edXML xmlns="urn:x">` + header + `</edXML>`,
		"doctype":            `<!DOCTYPE edXML [<!ENTITY e SYSTEM "file:///etc/passwd">]>` + root(header),
		"unknown entity":     root(`<edXML:MessageHeader><edXML:From><edXML:OrganId>&e;</edXML:OrganId></edXML:From></edXML:MessageHeader>`),
		"unclosed":           `<edXML:edXML ` + ns + `>` + header,
		"mismatched":         `<edXML:edXML ` + ns + `>` + header + `</edXML:other>`,
		"two roots":          root(header) + root(header),
		"no header":          root(""),
		"both":               root(header + `<Status><From><OrganId>x</OrganId></From><StatusCode>01</StatusCode></Status>`),
		"two headers":        root(header + header),
		"no sender":          root(`<edXML:MessageHeader/>`),
		"status no code":     root(`<Status><From><OrganId>000.00.00.H41</OrganId></From></Status>`),
		"latin1":             `<?xml version="1.0" encoding="ISO-8859-1"?>` + root(header),
		"too deep":           root(header + deep),
		"long field":         root(`<edXML:MessageHeader><edXML:From><edXML:OrganId>000.00.00.G22</edXML:OrganId></edXML:From><edXML:Subject>` + strings.Repeat("x", maxFieldText+1) + `</edXML:Subject></edXML:MessageHeader>`),
		"too many to":        root(`<edXML:MessageHeader><edXML:From><edXML:OrganId>000.00.00.G22</edXML:OrganId></edXML:From>` + strings.Repeat(`<edXML:To><edXML:OrganId>000.00.00.H41</edXML:OrganId></edXML:To>`, maxTo+1) + `</edXML:MessageHeader>`),
		"garbage after root": root(header) + "garbage",
	}
	for name, in := range bad {
		if _, err := inspectPacket(strings.NewReader(in)); !errors.Is(err, errNotEdXML) {
			t.Errorf("%s: got %v, want errNotEdXML", name, err)
		}
	}
}

func TestAddresses(t *testing.T) {
	for _, c := range []struct {
		in            string
		agency, box   string
		ok            bool
		validAgencyOK bool
	}{
		{"000.00.00.H41", "000.00.00.H41", "", true, true},
		{"000.00.00.H41/lanhdao", "000.00.00.H41", "lanhdao", true, false},
		{"G09.01.22.H41", "G09.01.22.H41", "", true, true},
		{"000.00.00.H41/", "", "", false, false},
		{"000.00.00.H41/Lanh Dao", "", "", false, false},
		{"000.00.00.h41", "", "", false, false},
		{"000.00.00.H4", "", "", false, false},
		{"", "", "", false, false},
	} {
		agency, box, ok := splitAddress(c.in)
		if agency != c.agency || box != c.box || ok != c.ok {
			t.Errorf("splitAddress(%q): got %q %q %v", c.in, agency, box, ok)
		}
		if validAgencyCode(c.in) != c.validAgencyOK {
			t.Errorf("validAgencyCode(%q): got %v", c.in, !c.validAgencyOK)
		}
	}
}

func TestSealSecret(t *testing.T) {
	key := make([]byte, KeySize)
	key[0] = 7
	sealed, err := sealSecret(key, "sys-a", []byte("bí mật"))
	if err != nil {
		t.Fatal(err)
	}
	again, _ := sealSecret(key, "sys-a", []byte("bí mật"))
	if string(sealed) == string(again) {
		t.Error("two seals of one secret are equal (nonce reused)")
	}
	if got, err := openSecret(key, "sys-a", sealed); err != nil || string(got) != "bí mật" {
		t.Errorf("open: %q %v", got, err)
	}
	if _, err := openSecret(key, "sys-b", sealed); err == nil {
		t.Error("a sealed secret opened for another system")
	}
	other := make([]byte, KeySize)
	if _, err := openSecret(other, "sys-a", sealed); err == nil {
		t.Error("a sealed secret opened with another key")
	}
	sealed[len(sealed)-1] ^= 1
	if _, err := openSecret(key, "sys-a", sealed); err == nil {
		t.Error("an altered sealed secret opened")
	}
	for _, b := range [][]byte{nil, {1}, {2, 0, 0}} {
		if _, err := openSecret(key, "sys-a", b); err == nil {
			t.Errorf("openSecret(%v): nil error", b)
		}
	}
	if _, err := sealSecret([]byte("short"), "x", []byte("s")); err == nil {
		t.Error("a short key sealed")
	}
}
