package app

import (
	"reflect"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"

	"github.com/vanthu/vanthu/inbox"
)

// The window's shortcuts: Ctrl+F focuses the search box, Ctrl+R re-reads
// the store, Ctrl+Enter runs the open document's first action.
func TestShortcuts(t *testing.T) {
	h := newHarness(t)
	first := h.insertOne("V/v kiểm tra công tác văn thư", senders[0], inbox.PriorityNormal)
	h.start()
	c := shortcutTarget(t, h.u.win.Canvas())
	press := func(key fyne.KeyName) {
		c.TypedShortcut(&desktop.CustomShortcut{KeyName: key, Modifier: fyne.KeyModifierShortcutDefault})
		h.settle()
	}

	press(fyne.KeyF)
	if got := h.u.win.Canvas().Focused(); got != h.u.list.search {
		t.Errorf("Ctrl+F focused %T, want the search box", got)
	}

	// A document stored behind the window's back shows after Ctrl+R.
	second := h.insertOne("V/v lập kế hoạch năm", senders[1], inbox.PriorityNormal)
	if n := len(h.u.list.rows); n != 1 {
		t.Fatalf("rows before reloading = %d, want 1", n)
	}
	press(fyne.KeyR)
	if rows := h.u.list.rows; len(rows) != 2 || rows[0].ID != second {
		t.Errorf("rows after Ctrl+R = %+v, want document %d first of 2", rows, second)
	}

	// With an arrived document open, the first action is to register it.
	h.u.view.show(first)
	h.settle()
	press(fyne.KeyReturn)
	if h.u.dialog == nil || h.u.dialog.fields["register"] == nil {
		t.Fatalf("Ctrl+Enter did not open the register dialog (dialog %+v)", h.u.dialog)
	}
}

// shortcutTarget returns what a window's canvas hands shortcuts to. The
// test driver's canvas wraps the software canvas, which dispatches the
// shortcuts registered with AddShortcut as a real window does.
func shortcutTarget(t *testing.T, c fyne.Canvas) interface{ TypedShortcut(fyne.Shortcut) } {
	t.Helper()
	type target = interface{ TypedShortcut(fyne.Shortcut) }
	if s, ok := c.(target); ok {
		return s
	}
	v := reflect.ValueOf(c)
	if v.Kind() == reflect.Pointer {
		v = v.Elem()
	}
	if v.Kind() == reflect.Struct {
		if f := v.FieldByName("WindowlessCanvas"); f.IsValid() && f.CanInterface() {
			if s, ok := f.Interface().(target); ok {
				return s
			}
		}
	}
	t.Fatalf("the canvas %T takes no shortcuts", c)
	return nil
}
