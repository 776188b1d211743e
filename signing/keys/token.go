package keys

import (
	"crypto/x509"
	"errors"
)

// ErrTokenUnsupported is returned by the token functions of a build without cgo.
var ErrTokenUnsupported = errors.New("this build has no PKCS#11 token support (built without cgo)")

// ErrWrongPIN is returned (wrapped) when the token refuses the PIN; the caller
// may ask for the PIN again, minding the hints in the message about the tries
// left.
var ErrWrongPIN = errors.New("the token refused the PIN")

// ErrPINLocked is returned (wrapped) when the token's user PIN is locked.
var ErrPINLocked = errors.New("the token's PIN is locked; unlock it with the token's admin tool")

// TokenConfig says which token and which key on it to use.
type TokenConfig struct {
	// Module is the path of the token's PKCS#11 driver (.so / .dll).
	Module string
	// TokenLabel or TokenSerial select the token. With neither, the only
	// token present is used.
	TokenLabel  string
	TokenSerial string
	// KeyLabel (the private key's CKA_LABEL), else KeyID (its CKA_ID), selects
	// the key. With neither, the only key that has a certificate is used.
	KeyLabel string
	KeyID    []byte
	// PIN is the user PIN. OpenToken keeps a copy for context-specific
	// logins and zeroes it on Close; the caller's slice is not kept. It never
	// appears in errors or logs. (The PKCS#11 binding takes the PIN as a Go
	// string for each login; those short-lived copies cannot be zeroed.)
	PIN []byte
}

// TokenInfo describes a token found by [ListTokens].
type TokenInfo struct {
	Slot         uint
	Label        string
	Serial       string
	Manufacturer string
	Model        string
	// PINLocked: the user PIN is locked; the token cannot sign until it is
	// unlocked with the token's admin tool.
	PINLocked bool
	// PINFinalTry: one more wrong PIN locks the token.
	PINFinalTry bool
	// PINCountLow: a wrong PIN was entered since the last right one.
	PINCountLow bool
	// PINPad: the PIN is entered on the device itself.
	PINPad bool
}

// TokenKeyInfo describes a private key found by [ListTokenKeys].
type TokenKeyInfo struct {
	Label string
	ID    []byte
	// Type is "RSA" or "ECDSA" (or the PKCS#11 key type number for others).
	Type string
	// Certificate is the key's certificate on the token, nil when there is
	// none; Subject is its subject, empty when there is none.
	Certificate *x509.Certificate
	Subject     string
	// AlwaysAuthenticate: the token asks for the PIN for every signature
	// (CKA_ALWAYS_AUTHENTICATE); OpenToken handles this with the PIN it was
	// given.
	AlwaysAuthenticate bool
}
