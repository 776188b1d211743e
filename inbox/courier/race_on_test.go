//go:build race

package courier_test

// raceDetector is set when the tests run with -race, which slows this
// package's work (SQLite in pure Go, HMAC, the edXML codec) about six
// times: the fault test then exchanges fewer documents in-process and the
// full count in a child built without it.
const raceDetector = true
