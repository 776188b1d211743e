package app

import (
	"context"
	"fmt"

	"github.com/vanthu/vanthu/inbox/demoworld"
	"github.com/vanthu/vanthu/inbox/desk"
)

// startDemo starts the demo world in dir (built the first time, reused
// afterwards) and opens the user's desk in it. The demo acts in every
// role; its keys' secrets (demo values) prefill the PIN dialogs.
func startDemo(ctx context.Context, dir string, set *settings) (*environment, error) {
	w, err := demoworld.Start(ctx, demoworld.Options{Dir: dir})
	if err != nil {
		return nil, fmt.Errorf("start the demo: %w", err)
	}
	env, err := openWorld(ctx, w, set)
	if err != nil {
		_ = w.Close()
		return nil, err
	}
	return env, nil
}

// openWorld opens the desk of a running demo world, with the demo's
// identity and keys in the demo's own settings.
func openWorld(ctx context.Context, w *demoworld.World, set *settings) (*environment, error) {
	id := w.Desk.Identity
	set.SetAgency(id.Agency)
	set.SetActor(id.Actor())
	set.SetPosition(id.Position)
	if !set.Configured() {
		set.SetRole(role(id.Role))
		set.SetConfigured(true)
	}
	set.SetPersonalKey(w.Leader.Source)
	set.SetSealKey(w.Agency.Source)
	d, err := desk.Open(ctx, w.Desk)
	if err != nil {
		return nil, fmt.Errorf("open the demo desk: %w", err)
	}
	env := &environment{desk: d, dataDir: w.Desk.DataDir, secrets: map[string]string{
		w.Leader.Source.String(): w.Leader.Secret,
		w.Agency.Source.String(): w.Agency.Secret,
	}}
	env.closers = append(env.closers, func() { _ = w.Close() }, func() { _ = d.Close() })
	return env, nil
}
