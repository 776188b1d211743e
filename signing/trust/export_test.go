package trust

// ChainBuilds counts the paths built by crypto/x509 (not remembered).
var ChainBuilds = &chainBuilds

// ValiditySpan exposes validitySpan.
var ValiditySpan = validitySpan
