// Package keys provides the signing keys Vanthu signs with: software keys from
// PKCS#12 files and hardware keys on PKCS#11 tokens (USB signing tokens,
// smart cards, HSMs).
//
// Both sources produce a [Key]: a [crypto.Signer] together with the key's
// certificate chain. The signing engine consumes a Key and never needs to know
// where it came from.
//
// # PKCS#12 files
//
// [LoadPKCS12] and [LoadPKCS12File] are pure Go and work in every build. They
// read files written with the legacy algorithms (3DES, RC2) as well as modern
// ones (AES with PBKDF2).
//
// # PKCS#11 tokens
//
// [OpenToken], [ListTokens] and [ListTokenKeys] need cgo, because a PKCS#11
// driver is a shared library loaded into the process. A build without cgo
// returns [ErrTokenUnsupported] from them.
//
// A PKCS#11 driver can be initialised only once per process, so this package
// loads each driver path once and shares it between all open keys and
// listings, counting its users; the driver is finalised and unloaded when the
// last user is done. Keys on the same token share the token's login state,
// as PKCS#11 prescribes: the token is logged out when the last key on it is
// closed.
//
// # SoftHSM2 configuration
//
// SoftHSM2 reads the environment variable SOFTHSM2_CONF when its driver is
// initialised, that is when the first token user of the process starts, and
// not afterwards. A process selects a SoftHSM2 instance by setting
// SOFTHSM2_CONF (for example to [SoftHSM.ConfigPath]) before its first call
// to [OpenToken], [ListTokens], [ListTokenKeys] or a [SoftHSM] method that
// touches tokens; changing it later takes effect only after every key has
// been closed. Child processes get the setting through [SoftHSM.Env].
package keys
