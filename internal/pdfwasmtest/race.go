//go:build race

package pdfwasmtest

const race = true
