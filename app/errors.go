package app

import (
	"context"
	"errors"
	"os"

	"fyne.io/fyne/v2/lang"

	"github.com/vanthu/vanthu/inbox"
	"github.com/vanthu/vanthu/inbox/desk"
	"github.com/vanthu/vanthu/signing"
	"github.com/vanthu/vanthu/signing/keys"
)

// friendly turns an error into a sentence a clerk can act on. It never
// includes a secret: no error the app builds carries one.
func friendly(err error) string {
	var te *inbox.TransitionError
	var ve *validationError
	switch {
	case err == nil:
		return ""
	case errors.As(err, &ve):
		return ve.msg
	case errors.As(err, &te):
		return lang.L("This is no longer possible: the document is now “{{.State}}”. The screen has been refreshed.",
			map[string]any{"State": stateLabel(te.State)})
	case errors.Is(err, desk.ErrNotPDF):
		return lang.L("The file is not a readable PDF. Open it in a PDF reader to check, or choose another file.")
	case errors.Is(err, keys.ErrWrongPIN):
		return lang.L("The token refused the PIN. Check it and try again; after a few wrong PINs the token locks itself.")
	case errors.Is(err, keys.ErrPINLocked), errors.Is(err, desk.ErrKeyLocked):
		return lang.L("The token's PIN is locked. Unlock it with the token vendor's tool (it needs the admin PIN), then try again.")
	case errors.Is(err, keys.ErrWrongPassword), errors.Is(err, desk.ErrWrongSecret):
		return lang.L("Wrong password for the key file. Check it (capital letters count) and try again.")
	case errors.Is(err, keys.ErrTokenUnsupported):
		return lang.L("This build of Vanthu cannot use USB tokens. Use a PKCS#12 key file, or install the full build.")
	case errors.Is(err, inbox.ErrNotFound):
		return lang.L("The document no longer exists in this inbox. The screen has been refreshed.")
	case errors.Is(err, inbox.ErrDuplicate):
		return lang.L("This document is already in the inbox.")
	case errors.Is(err, inbox.ErrCorruptBlob):
		return lang.L("An attached file is damaged on this computer. Ask the sender to send the document again.")
	case errors.Is(err, signing.ErrUnreadable):
		return lang.L("The file is not a readable PDF. Open it in a PDF reader to check, or choose another file.")
	case errors.Is(err, os.ErrNotExist):
		return lang.L("A file was not found: {{.Err}}. Check the path in Settings.", map[string]any{"Err": err.Error()})
	case errors.Is(err, context.Canceled):
		return lang.L("The action was cancelled.")
	case errors.Is(err, errNoKey):
		return lang.L("No signing key is set up. Choose your token or key file in Settings › Signing keys.")
	}
	return lang.L("The action failed: {{.Err}}", map[string]any{"Err": err.Error()})
}

// validationError is a message about the user's input, already in the UI
// language.
type validationError struct{ msg string }

func (e *validationError) Error() string { return e.msg }

var (
	errNoKey = errors.New("no signing key configured")
)
