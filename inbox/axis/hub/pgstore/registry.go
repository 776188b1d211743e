package pgstore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/vanthu/vanthu/inbox/axis/hub"
	"github.com/vanthu/vanthu/internal/batch"
)

// PutAgency implements hub.Store: one upsert, so concurrent instances
// registering the same code end with one row.
func (s *Store) PutAgency(ctx context.Context, a hub.Agency) (hub.Agency, error) {
	t := ts(nowOr(a.Updated))
	err := s.pool.QueryRow(ctx, `
		INSERT INTO agencies (code, old_code, name, mail, parent_id, owner, created, updated)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $7)
		ON CONFLICT (code) DO UPDATE SET old_code = excluded.old_code, name = excluded.name,
			mail = excluded.mail, parent_id = excluded.parent_id, owner = excluded.owner,
			updated = excluded.updated
		RETURNING id, created, updated`,
		a.Code, a.OldCode, a.Name, a.Mail, a.ParentID, a.Owner, t).Scan(&a.ID, &a.Created, &a.Updated)
	if err != nil {
		return hub.Agency{}, fmt.Errorf("pgstore: store agency: %w", err)
	}
	a.Created, a.Updated = a.Created.UTC(), a.Updated.UTC()
	return a, nil
}

// DeleteAgency implements hub.Store.
func (s *Store) DeleteAgency(ctx context.Context, code string) error {
	tag, err := s.pool.Exec(ctx, `DELETE FROM agencies WHERE code = $1`, code)
	if err != nil {
		return fmt.Errorf("pgstore: delete agency: %w", err)
	}
	return oneRow(tag, "agency "+code)
}

const agencyCols = `id, code, old_code, name, mail, parent_id, owner, created, updated`

func scanAgency(row pgx.Row) (hub.Agency, error) {
	var a hub.Agency
	err := row.Scan(&a.ID, &a.Code, &a.OldCode, &a.Name, &a.Mail, &a.ParentID, &a.Owner, &a.Created, &a.Updated)
	a.Created, a.Updated = a.Created.UTC(), a.Updated.UTC()
	return a, err
}

// Agency implements hub.Store.
func (s *Store) Agency(ctx context.Context, code string) (hub.Agency, error) {
	a, err := scanAgency(s.pool.QueryRow(ctx, `SELECT `+agencyCols+` FROM agencies WHERE code = $1`, code))
	if err != nil {
		if nf := notFound(err, "agency "+code); nf != nil {
			return hub.Agency{}, nf
		}
		return hub.Agency{}, fmt.Errorf("pgstore: read agency: %w", err)
	}
	return a, nil
}

// Agencies implements hub.Store.
func (s *Store) Agencies(ctx context.Context) ([]hub.Agency, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+agencyCols+` FROM agencies ORDER BY code COLLATE "C"`)
	if err != nil {
		return nil, fmt.Errorf("pgstore: list agencies: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (hub.Agency, error) { return scanAgency(row) })
	if err != nil {
		return nil, fmt.Errorf("pgstore: list agencies: %w", err)
	}
	return out, nil
}

// PutSystem implements hub.Store.
func (s *Store) PutSystem(ctx context.Context, sys hub.SystemRecord) error {
	boxes := sys.Mailboxes
	if boxes == nil {
		boxes = []string{}
	}
	_, err := s.pool.Exec(ctx, `
		INSERT INTO systems (id, agency, name, mailboxes, sealed_secret, updated) VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT (id) DO UPDATE SET agency = excluded.agency, name = excluded.name,
			mailboxes = excluded.mailboxes, sealed_secret = excluded.sealed_secret, updated = excluded.updated`,
		sys.ID, sys.Agency, sys.Name, boxes, sys.SealedSecret, ts(nowOr(sys.Updated)))
	if err != nil {
		return fmt.Errorf("pgstore: store system: %w", err)
	}
	return nil
}

// DeleteSystem implements hub.Store.
func (s *Store) DeleteSystem(ctx context.Context, id string) error {
	tag, err := s.pool.Exec(ctx, `DELETE FROM systems WHERE id = $1`, id)
	if err != nil {
		return fmt.Errorf("pgstore: delete system: %w", err)
	}
	return oneRow(tag, "system "+id)
}

// Systems implements hub.Store.
func (s *Store) Systems(ctx context.Context) ([]hub.SystemRecord, error) {
	rows, err := s.pool.Query(ctx, `SELECT id, agency, name, mailboxes, sealed_secret, updated FROM systems ORDER BY id COLLATE "C"`)
	if err != nil {
		return nil, fmt.Errorf("pgstore: list systems: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (hub.SystemRecord, error) {
		var r hub.SystemRecord
		err := row.Scan(&r.ID, &r.Agency, &r.Name, &r.Mailboxes, &r.SealedSecret, &r.Updated)
		r.Updated = r.Updated.UTC()
		return r, err
	})
	if err != nil {
		return nil, fmt.Errorf("pgstore: list systems: %w", err)
	}
	return out, nil
}

// RememberRequest implements hub.Store. The primary key decides: of
// instances inserting the same (system, request id) at once, one inserts
// and the others wait for it and then find the row.
// The ids arriving while a batch is written go in the next batch, one
// INSERT … ON CONFLICT DO NOTHING for all (a round trip and a commit per
// request would bound the server's rate); the primary key still decides
// between instances. Each call returns once its id is committed, or with
// hub.ErrReplay when it was there already (recorded before, by any
// instance, or earlier in the same batch).
func (s *Store) RememberRequest(ctx context.Context, systemID, requestID string, until time.Time) error {
	err := s.remember.Do(ctx, requestKey{systemID: systemID, id: requestID, until: ts(until)})
	if errors.Is(err, batch.ErrClosed) {
		return errors.New("pgstore: remember request: the store is closed")
	}
	return err
}

// rememberFor remembers a write's request id (hub.Request) before the
// write, in the shared batches of RememberRequest: a write commits after
// its id.
func (s *Store) rememberFor(ctx context.Context, req hub.Request) error {
	if req.ID == "" {
		return nil
	}
	return s.RememberRequest(ctx, req.SystemID, req.ID, req.Until)
}

// requestKey is one RememberRequest waiting for its batch.
type requestKey struct {
	systemID, id string
	until        time.Time
}

// rememberBatch is the most request ids one statement records.
const rememberBatch = 256

// rememberAll records a batch of request ids in one statement and sets
// each call's outcome.
func (s *Store) rememberAll(calls []*batch.Call[requestKey]) {
	// The batch serves several requests; each caller waits for it.
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	systems, ids := make([]string, len(calls)), make([]string, len(calls))
	untils := make([]time.Time, len(calls))
	for i, c := range calls {
		systems[i], ids[i], untils[i] = c.Value.systemID, c.Value.id, c.Value.until
	}
	rows, err := s.pool.Query(ctx, `INSERT INTO requests (system_id, request_id, until)
		SELECT * FROM unnest($1::text[], $2::text[], $3::timestamptz[])
		ON CONFLICT DO NOTHING
		RETURNING system_id, request_id`, systems, ids, untils)
	inserted := map[[2]string]bool{}
	if err == nil {
		var k [2]string
		_, err = pgx.ForEachRow(rows, []any{&k[0], &k[1]}, func() error {
			inserted[k] = true
			return nil
		})
	}
	if err != nil {
		err = fmt.Errorf("pgstore: remember request: %w", err)
		for _, c := range calls {
			c.Err = err
		}
		return
	}
	// A key inserted belongs to the first call that brought it; any other
	// call with it is a replay.
	for _, c := range calls {
		k := [2]string{c.Value.systemID, c.Value.id}
		if inserted[k] {
			delete(inserted, k)
			continue
		}
		c.Err = hub.ErrReplay
	}
}

// ForgetRequests implements hub.Store. Every instance prunes; each claims
// the expired rows no other is deleting (SKIP LOCKED) rather than waiting
// for it.
func (s *Store) ForgetRequests(ctx context.Context, t time.Time) (int64, error) {
	tag, err := s.pool.Exec(ctx, `DELETE FROM requests WHERE (system_id, request_id) IN (
		SELECT system_id, request_id FROM requests WHERE until < $1 FOR UPDATE SKIP LOCKED)`, ts(t))
	if err != nil {
		return 0, fmt.Errorf("pgstore: forget requests: %w", err)
	}
	return tag.RowsAffected(), nil
}

// errNoRecipient is AddPacket's answer to a packet without recipients.
var errNoRecipient = errors.New("pgstore: a packet needs at least one recipient")
