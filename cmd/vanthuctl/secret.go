package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"

	"golang.org/x/term"
)

// readSecret returns a password or PIN: from file when given, else asked on
// the terminal without echo. The caller zeroes the result after use.
func readSecret(e *env, file, prompt string) ([]byte, error) {
	if file != "" {
		data, err := os.ReadFile(file)
		if err != nil {
			return nil, usageErr("cannot read the secret file: %v", errors.Unwrap(err))
		}
		// One trailing newline (as written by echo or an editor) is not part of it.
		data = bytes.TrimSuffix(data, []byte("\n"))
		data = bytes.TrimSuffix(data, []byte("\r"))
		return data, nil
	}
	f, ok := e.stdin.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return nil, usageErr("no %s given: use a file option (e.g. --password-file or --pin-file) when not at a terminal", prompt)
	}
	fmt.Fprintf(e.stderr, "%s: ", prompt)
	secret, err := term.ReadPassword(int(f.Fd()))
	fmt.Fprintln(e.stderr)
	if err != nil {
		return nil, fmt.Errorf("reading the %s: %w", prompt, err)
	}
	return secret, nil
}

func zero(b []byte) {
	for i := range b {
		b[i] = 0
	}
}
