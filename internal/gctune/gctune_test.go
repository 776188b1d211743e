package gctune

import (
	"runtime/debug"
	"testing"
)

func TestForThroughput(t *testing.T) {
	t.Setenv("GOGC", "")
	t.Setenv("GOMEMLIMIT", "")
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(-1))
	ForThroughput(256 << 20)
	if got := debug.SetGCPercent(Percent); got != Percent {
		t.Errorf("GC percent %d, want %d", got, Percent)
	}
	if got := debug.SetMemoryLimit(-1); got != 256<<20 {
		t.Errorf("memory limit %d, want %d", got, 256<<20)
	}
}

func TestEnvironmentWins(t *testing.T) {
	t.Setenv("GOGC", "150")
	old := debug.SetGCPercent(77)
	defer debug.SetGCPercent(old)
	ForThroughput(256 << 20)
	if got := debug.SetGCPercent(77); got != 77 {
		t.Errorf("GOGC set: the GC percent changed to %d", got)
	}
}
