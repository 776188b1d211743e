//go:build race

package edxml

const raceEnabled = true
