package demodoc

import "testing"

func BenchmarkGenerate(b *testing.B) {
	s := Example(CongVan, 1)
	for b.Loop() {
		if _, err := Generate(s); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkGenerate3Pages(b *testing.B) {
	s := Example(CongVan, 1)
	s.Pages = 3
	for b.Loop() {
		if _, err := Generate(s); err != nil {
			b.Fatal(err)
		}
	}
}
