package courier

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// Quarantined is a received packet the engine refused (acknowledged fail):
// kept in DATA/quarantine for a person to look at.
type Quarantined struct {
	DocID       string    `json:"docId"` // the axis's id of the delivery
	MessageType string    `json:"messageType"`
	From        string    `json:"from"`
	Reason      string    `json:"reason"`
	At          time.Time `json:"at"`
	// File is the packet as it was received ("" when it could not be kept).
	File string `json:"file,omitempty"`
}

// fileName makes an axis docId safe as a file name.
func fileName(docID string) string {
	var b strings.Builder
	for i := 0; i < len(docID); i++ {
		switch c := docID[i]; {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '-', c == '_', c == '.':
			b.WriteByte(c)
		default:
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	name := b.String()
	if len(name) > 150 {
		name = name[:150]
	}
	if name = strings.TrimLeft(name, "."); name == "" {
		name = "_"
	}
	return name
}

// quarantine keeps the packet at path (moved), or data when it was kept
// in memory (neither: none), with its reason. The record is written last:
// its presence means the packet was judged, so that a crash before the
// acknowledgement repeats only the acknowledgement.
func (e *Engine) quarantine(q Quarantined, path string, data []byte) error {
	base := filepath.Join(e.quarantineDir, fileName(q.DocID))
	switch {
	case path != "":
		if err := os.Rename(path, base+".edxml"); err != nil {
			return fmt.Errorf("quarantine: %w", err)
		}
		q.File = base + ".edxml"
	case data != nil:
		if err := writeFileAtomically(base+".edxml", data); err != nil {
			return fmt.Errorf("quarantine: %w", err)
		}
		q.File = base + ".edxml"
	}
	data, err := json.MarshalIndent(q, "", "  ")
	if err != nil {
		return err
	}
	if err := writeFileAtomically(base+".json", data); err != nil {
		return fmt.Errorf("quarantine: %w", err)
	}
	return nil
}

// quarantined returns the record of a packet judged before.
func (e *Engine) quarantined(docID string) (Quarantined, bool) {
	data, err := os.ReadFile(filepath.Join(e.quarantineDir, fileName(docID)+".json"))
	if err != nil {
		return Quarantined{}, false
	}
	var q Quarantined
	if json.Unmarshal(data, &q) != nil {
		return Quarantined{}, false
	}
	return q, true
}

// Quarantine lists the packets refused so far, newest first.
func (e *Engine) Quarantine() ([]Quarantined, error) {
	entries, err := os.ReadDir(e.quarantineDir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []Quarantined
	for _, ent := range entries {
		if !strings.HasSuffix(ent.Name(), ".json") {
			continue
		}
		data, err := os.ReadFile(filepath.Join(e.quarantineDir, ent.Name()))
		if err != nil {
			return nil, err
		}
		var q Quarantined
		if err := json.Unmarshal(data, &q); err != nil {
			continue
		}
		out = append(out, q)
	}
	slices.SortFunc(out, func(a, b Quarantined) int { return b.At.Compare(a.At) })
	return out, nil
}
