// Package app is Vanthu's desktop GUI (Fyne): windows, screens, dialogs and
// view state over the inbox, the signing engine and the sync engine. It is
// the only package tree that imports Fyne; it holds no business logic.
package app

import (
	"fyne.io/fyne/v2"
	fyneapp "fyne.io/fyne/v2/app"
	"fyne.io/fyne/v2/widget"
)

// ID is the application id (FyneApp.toml, preferences, the data dir).
const ID = "vn.vanthu.desktop"

// Params is what main hands to the GUI.
type Params struct {
	DataDir string // the inbox and settings; empty = the user's data dir
	Demo    bool   // start with the embedded demo axis and demo PKI
}

// Run opens the main window and returns when it is closed.
func Run(p Params) error {
	a := fyneapp.NewWithID(ID)
	w := a.NewWindow("Vanthu")
	w.SetContent(widget.NewLabel("Vanthu"))
	w.Resize(fyne.NewSize(1100, 700))
	w.ShowAndRun()
	return nil
}
