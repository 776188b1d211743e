//go:build race

package demopki_test

// raceFactor scales time limits: the race detector slows crypto down.
const raceFactor = 8
