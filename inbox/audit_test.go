package inbox

import (
	"strings"
	"testing"
)

// auditFixture makes a store with a few audited actions.
func auditFixture(t *testing.T) (*fixture, int64) {
	t.Helper()
	f := newFixture(t)
	f.register(t, RegisterIncoming, "Sổ đến")
	id := f.insert(t, f.incoming("Kiểm tra nhật ký"))
	if _, err := f.s.Register(f.ctx, id, clerk, "Sổ đến"); err != nil {
		t.Fatal(err)
	}
	if err := f.s.AddComment(f.ctx, id, clerk, "một"); err != nil {
		t.Fatal(err)
	}
	if err := f.s.AddComment(f.ctx, id, clerk, "hai"); err != nil {
		t.Fatal(err)
	}
	res, err := f.s.VerifyAudit(f.ctx)
	if err != nil || !res.OK || res.Entries != 5 {
		t.Fatalf("fresh chain: %+v %v", res, err)
	}
	return f, id
}

func (f *fixture) exec(t *testing.T, q string, args ...any) {
	t.Helper()
	if _, err := f.s.w.ExecContext(f.ctx, q, args...); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

func TestAuditTampering(t *testing.T) {
	cases := []struct {
		name   string
		tamper func(f *fixture, t *testing.T)
		broken int64
		reason string
	}{
		{"edit detail", func(f *fixture, t *testing.T) {
			f.exec(t, `UPDATE audit SET detail = '{"text":"ba"}' WHERE seq = 4`)
		}, 4, "altered"},
		{"edit actor", func(f *fixture, t *testing.T) { f.exec(t, `UPDATE audit SET actor = 'someone' WHERE seq = 2`) }, 2, "altered"},
		{"edit time", func(f *fixture, t *testing.T) { f.exec(t, `UPDATE audit SET at = at + 1 WHERE seq = 1`) }, 1, "altered"},
		{"delete a middle entry", func(f *fixture, t *testing.T) { f.exec(t, `DELETE FROM audit WHERE seq = 3`) }, 3, "missing"},
		{"delete the newest entry", func(f *fixture, t *testing.T) { f.exec(t, `DELETE FROM audit WHERE seq = 5`) }, 5, "missing"},
		{"rewrite an entry with a fresh hash", func(f *fixture, t *testing.T) {
			var prev string
			if err := f.s.r.QueryRowContext(f.ctx, `SELECT prev_hash FROM audit WHERE seq = 3`).Scan(&prev); err != nil {
				t.Fatal(err)
			}
			detail := `{"text":"giả"}`
			var at, doc int64
			var actor, action string
			if err := f.s.r.QueryRowContext(f.ctx, `SELECT at, actor, action, document FROM audit WHERE seq = 3`).Scan(&at, &actor, &action, &doc); err != nil {
				t.Fatal(err)
			}
			h := auditHash(prev, 3, at, actor, Action(action), doc, []byte(detail))
			f.exec(t, `UPDATE audit SET detail = ?, hash = ? WHERE seq = 3`, detail, h)
		}, 4, "does not follow"},
		{"append outside Vanthu", func(f *fixture, t *testing.T) {
			f.exec(t, `INSERT INTO audit (seq, at, actor, action, document, detail, prev_hash, hash)
				SELECT 6, at, actor, action, document, detail, hash, hash FROM audit WHERE seq = 5`)
		}, 6, "altered"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f, _ := auditFixture(t)
			tc.tamper(f, t)
			res, err := f.s.VerifyAudit(f.ctx)
			if err != nil {
				t.Fatal(err)
			}
			if res.OK || res.FirstBroken != tc.broken || !strings.Contains(res.Reason, tc.reason) {
				t.Errorf("got %+v, want broken at %d (%s)", res, tc.broken, tc.reason)
			}
			rep, err := f.s.Check(f.ctx, CheckOptions{})
			if err != nil || rep.OK() || rep.Audit.FirstBroken != tc.broken {
				t.Errorf("Check: %+v %v", rep, err)
			}
		})
	}
}

func TestAuditTrailAndDetail(t *testing.T) {
	f, id := auditFixture(t)
	trail, err := f.s.AuditTrail(f.ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if len(trail) != 4 {
		t.Fatalf("trail has %d entries, want 4 (the register's creation is about no document)", len(trail))
	}
	reg := trail[1]
	if reg.Action != ActionRegister || reg.Actor != clerk.ID || !strings.Contains(string(reg.Detail), `"number":1`) ||
		!strings.Contains(string(reg.Detail), `"from":"arrived"`) || reg.PrevHash != trail[0].Hash {
		t.Errorf("register entry: %+v", reg)
	}
	for i, e := range trail {
		if i > 0 && e.Seq <= trail[i-1].Seq {
			t.Errorf("trail out of order: %d after %d", e.Seq, trail[i-1].Seq)
		}
	}
}
