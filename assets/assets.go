// Package assets holds the files Vanthu ships inside its binary: the Liberation
// Serif fonts (metric-compatible with Times New Roman, with the Vietnamese
// letters) and their licence, the demo signature and seal images, and the app icon.
package assets

import (
	"embed"
	"io/fs"
)

//go:embed fonts/LiberationSerif-Regular.ttf fonts/LiberationSerif-Bold.ttf fonts/OFL.txt images/demo-signature.png images/demo-seal.png images/icon.png
var files embed.FS

// SerifRegular is Liberation Serif Regular (TrueType).
//
//go:embed fonts/LiberationSerif-Regular.ttf
var SerifRegular []byte

// SerifBold is Liberation Serif Bold (TrueType).
//
//go:embed fonts/LiberationSerif-Bold.ttf
var SerifBold []byte

// FontLicence is the SIL Open Font License of the Liberation fonts, which must
// travel with them.
//
//go:embed fonts/OFL.txt
var FontLicence []byte

// DemoSignature is a handwritten-looking blue signature (PNG, transparent
// background) for the demo leader.
//
//go:embed images/demo-signature.png
var DemoSignature []byte

// DemoSeal is a round red seal of a demo agency (PNG, transparent background).
//
//go:embed images/demo-seal.png
var DemoSeal []byte

// Icon is the app icon (PNG, 512×512).
//
//go:embed images/icon.png
var Icon []byte

// FS returns every asset, under fonts/ and images/.
func FS() fs.FS { return files }
