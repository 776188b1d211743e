package cms

import (
	"bytes"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		t.Fatalf("bad hex %q: %v", s, err)
	}
	return b
}

var berCases = []struct {
	name    string
	in      string
	want    string // empty: an error is wanted
	wantErr string
}{
	{"primitive unchanged", "04 03 61 62 63", "04 03 61 62 63", ""},
	{"DER sequence unchanged", "30 06 02 01 01 04 01 00", "30 06 02 01 01 04 01 00", ""},
	{"indefinite sequence", "30 80 02 01 01 00 00", "30 03 02 01 01", ""},
	{"nested indefinite", "30 80 31 80 02 01 05 00 00 00 00", "30 05 31 03 02 01 05", ""},
	{"constructed octet string", "24 80 04 02 61 62 04 01 63 00 00", "04 03 61 62 63", ""},
	{"definite constructed octet string", "24 07 04 02 61 62 04 01 63", "04 03 61 62 63", ""},
	{"constructed string with a high-form tag", "3f 1e 00", "1e 00", ""},
	{"high-form BMPString with segments", "3f 1e 80 1e 02 00 61 00 00", "1e 02 00 61", ""},
	{"nested constructed octet string", "24 80 24 80 04 01 61 00 00 04 01 62 00 00", "04 02 61 62", ""},
	{"context tag indefinite", "a0 80 04 01 61 00 00", "a0 03 04 01 61", ""},
	{"high tag number kept", "bf 81 00 80 05 00 00 00", "bf 81 00 02 05 00", ""},
	{"long content", "30 80 04 81 80" + strings.Repeat("00", 128) + " 00 00", "30 81 83 04 81 80" + strings.Repeat("00", 128), ""},
	{"empty", "", "", "ends in the middle"},
	{"truncated header", "30", "", "ends in the middle"},
	{"truncated content", "30 05 02 01", "", "ends in the middle"},
	{"missing end of contents", "30 80 02 01 01", "", "ends in the middle"},
	{"indefinite primitive", "04 80 61 00 00", "", "indefinite length on a primitive"},
	{"mixed segments", "24 80 04 01 61 02 01 01 00 00", "", "another type"},
	{"constructed bit string", "23 80 03 02 00 61 00 00", "", "BIT STRING"},
	{"reserved length", "30 ff", "", "invalid length"},
	{"length too long", "30 85 01 00 00 00 00", "", "length too large"},
	{"child overruns parent", "30 02 04 05 61 62 63 64 65", "", "ends in the middle"},
}

func TestConvertBER(t *testing.T) {
	for _, tt := range berCases {
		t.Run(tt.name, func(t *testing.T) {
			in := unhex(t, tt.in)
			got, used, err := convertTop(in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("convertTop(%s) error = %v, want %q", tt.in, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("convertTop(%s): %v", tt.in, err)
			}
			if used != len(in) {
				t.Errorf("used %d bytes, want %d", used, len(in))
			}
			if want := unhex(t, tt.want); !bytes.Equal(got, want) {
				t.Errorf("got % x, want % x", got, want)
			}
		})
	}
}

func TestConvertBERDepthLimit(t *testing.T) {
	ok := bytes.Repeat([]byte{0x30, 0x80}, maxDepth)
	ok = append(ok, bytes.Repeat([]byte{0, 0}, maxDepth)...)
	if _, _, err := convertTop(ok); err != nil {
		t.Errorf("nesting of %d levels: %v", maxDepth, err)
	}
	tooDeep := bytes.Repeat([]byte{0x30, 0x80}, maxDepth+2)
	tooDeep = append(tooDeep, bytes.Repeat([]byte{0, 0}, maxDepth+2)...)
	if _, _, err := convertTop(tooDeep); err == nil || !strings.Contains(err.Error(), "deeper") {
		t.Errorf("nesting of %d levels: error = %v, want a depth error", maxDepth+2, err)
	}
	if _, _, err := convertTop(make([]byte, maxInputSize+1)); err == nil {
		t.Errorf("input over the size limit was accepted")
	}
}

func TestConvertBERKeepsDERInput(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "openssl-rsa.p7s"))
	if err != nil || len(files) == 0 {
		t.Fatalf("testdata missing: %v", err)
	}
	der, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	got, _, err := convertTop(der)
	if err != nil {
		t.Fatal(err)
	}
	if &got[0] != &der[0] || len(got) != len(der) {
		t.Errorf("DER input was copied or changed")
	}
}

func FuzzConvertBER(f *testing.F) {
	for _, c := range berCases {
		f.Add(unhex(f, c.in))
	}
	addFixtureSeeds(f)
	f.Fuzz(func(t *testing.T, in []byte) {
		out, used, err := convertTop(in)
		if err != nil {
			return
		}
		if used > len(in) {
			t.Fatalf("used %d of %d bytes", used, len(in))
		}
		// The output is stable: converting it again changes nothing.
		again, used2, err := convertTop(out)
		if err != nil {
			t.Fatalf("converting the output failed: %v", err)
		}
		if used2 != len(out) || !bytes.Equal(again, out) {
			t.Fatalf("conversion is not idempotent: % x -> % x", out, again)
		}
	})
}

func addFixtureSeeds(f *testing.F) {
	files, err := filepath.Glob(filepath.Join("testdata", "*.p7[sm]"))
	nss, _ := filepath.Glob(filepath.Join("testdata", "*.der"))
	files = append(files, nss...)
	if err != nil || len(files) == 0 {
		f.Fatalf("no fixtures in testdata: %v", err)
	}
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
}

func FuzzParse(f *testing.F) {
	addFixtureSeeds(f)
	f.Add([]byte{0x30, 0x80, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02, 0x00, 0x00})
	f.Fuzz(func(t *testing.T, data []byte) {
		sd, err := Parse(data)
		if err != nil {
			return
		}
		// Whatever parses can be re-encoded and read again, and every
		// accessor copes with it.
		der, err := sd.Marshal()
		if err != nil {
			return
		}
		if _, err := Parse(der); err != nil {
			t.Fatalf("re-encoded value does not parse: %v", err)
		}
		for _, si := range sd.Signers {
			_, _ = si.Hash()
			_, _ = si.MessageDigest()
			_, _ = si.ContentType()
			_, _ = si.SigningTime()
			_, _, _ = si.RevocationInfoArchival()
			_ = si.TimestampTokens()
			cert := si.FindCertificate(sd.Certificates)
			if cert != nil {
				_ = si.VerifySignature(cert)
				_ = si.CheckSigningCertificate(cert)
			}
			_ = si.VerifyContentDigest(make([]byte, 32))
		}
	})
}
