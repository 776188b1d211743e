//go:build !race

package edxml

const raceEnabled = false
