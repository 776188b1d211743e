package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"

	"github.com/vanthu/vanthu/inbox"
)

// deskConfig is what a desk knows about itself, kept in DATA/config.json.
type deskConfig struct {
	Agency inbox.Organization `json:"agency"`
	// Trust lists PEM files of the roots attachment signatures are checked
	// against.
	Trust []string `json:"trust,omitempty"`
	// Axis is the axis's endpoint (https://…), SystemID this desk's
	// system on it, CA a PEM file of the roots its TLS certificate is
	// checked against (none: the system's), SecretFile the file holding
	// the system's secret. The secret itself is never kept here.
	Axis       string `json:"axis,omitempty"`
	SystemID   string `json:"systemId,omitempty"`
	CA         string `json:"ca,omitempty"`
	SecretFile string `json:"secretFile,omitempty"`
}

// defaultDataDir is where the inbox lives unless --data says otherwise:
// $VANTHU_DATA, else the platform's per-user data directory.
func defaultDataDir() string {
	if d := os.Getenv("VANTHU_DATA"); d != "" {
		return d
	}
	if runtime.GOOS == "linux" || runtime.GOOS == "freebsd" {
		if x := os.Getenv("XDG_DATA_HOME"); x != "" {
			return filepath.Join(x, "vanthu")
		}
		if home, err := os.UserHomeDir(); err == nil {
			return filepath.Join(home, ".local", "share", "vanthu")
		}
	}
	if d, err := os.UserConfigDir(); err == nil {
		return filepath.Join(d, "Vanthu")
	}
	return "vanthu-data"
}

func loadConfig(dir string) (deskConfig, error) {
	var c deskConfig
	data, err := os.ReadFile(filepath.Join(dir, "config.json"))
	if errors.Is(err, os.ErrNotExist) {
		return c, nil
	}
	if err != nil {
		return c, err
	}
	if err := json.Unmarshal(data, &c); err != nil {
		return c, fmt.Errorf("%s is damaged: %w", filepath.Join(dir, "config.json"), err)
	}
	return c, nil
}

func saveConfig(dir string, c deskConfig) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	data, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		return err
	}
	tmp := filepath.Join(dir, ".config.json.tmp")
	if err := os.WriteFile(tmp, append(data, '\n'), 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, filepath.Join(dir, "config.json"))
}

// cacheDir is where the PDFium compilation cache lives.
func cacheDir() string {
	if d, err := os.UserCacheDir(); err == nil {
		return filepath.Join(d, "vanthu", "pdfium")
	}
	return ""
}
