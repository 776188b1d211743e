package inbox

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// CreateRegister opens a yearly register (sổ văn bản). Registering or
// issuing with the name of a register that exists for an earlier year opens
// that year's book automatically; a name never seen before must be created
// here first, so that a typo cannot start a new numbering.
func (s *Store) CreateRegister(ctx context.Context, actor Actor, name string, kind RegisterKind, year int) (Register, error) {
	if err := validateActor(actor); err != nil {
		return Register{}, err
	}
	name = strings.TrimSpace(name)
	if name == "" {
		return Register{}, invalidf("the register has no name")
	}
	if kind != RegisterIncoming && kind != RegisterOutgoing {
		return Register{}, invalidf("a register is incoming or outgoing, not %q", kind)
	}
	if year < 1900 || year > 9999 {
		return Register{}, invalidf("year %d is not a year", year)
	}
	var r Register
	err := s.write(ctx, func(tx *wtx, now time.Time) error {
		var exists bool
		if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM registers WHERE kind = ? AND name = ? AND year = ?)`,
			string(kind), name, year).Scan(&exists); err != nil {
			return fmt.Errorf("create register: %w", err)
		}
		if exists {
			return fmt.Errorf("%w: the %s register %q for %d already exists", ErrDuplicate, kind, name, year)
		}
		id, err := createRegisterTx(ctx, tx, name, kind, year, now)
		if err != nil {
			return err
		}
		r = Register{RegisterRef: RegisterRef{ID: id, Name: name, Kind: kind, Year: year}, CreatedAt: time.UnixMilli(millis(now))}
		return appendAudit(ctx, tx, now, actor.ID, ActionCreateRegister, 0, map[string]any{
			"register": id, "name": name, "kind": kind, "year": year,
		})
	})
	return r, err
}

func createRegisterTx(ctx context.Context, tx *wtx, name string, kind RegisterKind, year int, now time.Time) (int64, error) {
	res, err := tx.ExecContext(ctx, `INSERT INTO registers (name, kind, year, created_at) VALUES (?, ?, ?, ?)`,
		name, string(kind), year, millis(now))
	if err != nil {
		return 0, fmt.Errorf("create register: %w", err)
	}
	return res.LastInsertId()
}

// Registers lists the registers, newest year first.
func (s *Store) Registers(ctx context.Context) ([]Register, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT id, name, kind, year, last_number, created_at FROM registers
		ORDER BY year DESC, kind, name`)
	if err != nil {
		return nil, fmt.Errorf("list registers: %w", err)
	}
	defer rows.Close()
	var out []Register
	for rows.Next() {
		var r Register
		var kind string
		var at int64
		if err := rows.Scan(&r.ID, &r.Name, &kind, &r.Year, &r.LastNumber, &at); err != nil {
			return nil, fmt.Errorf("list registers: %w", err)
		}
		r.Kind, r.CreatedAt = RegisterKind(kind), time.UnixMilli(at)
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list registers: %w", err)
	}
	return out, nil
}

// takeNumber gives out the next number of a register inside the caller's
// transaction: if the transaction fails, the number was never taken, so
// numbers stay unique and gap-free.
func takeNumber(ctx context.Context, tx *wtx, kind RegisterKind, name string, year int, now time.Time) (RegisterRef, int, error) {
	name = strings.TrimSpace(name)
	ref := RegisterRef{Name: name, Kind: kind, Year: year}
	err := tx.QueryRowContext(ctx, `SELECT id FROM registers WHERE kind = ? AND name = ? AND year = ?`,
		string(kind), name, year).Scan(&ref.ID)
	if errors.Is(err, sql.ErrNoRows) {
		var known bool
		if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM registers WHERE kind = ? AND name = ?)`,
			string(kind), name).Scan(&known); err != nil {
			return ref, 0, fmt.Errorf("find register: %w", err)
		}
		if !known {
			return ref, 0, notFoundf("there is no %s register named %q", kind, name)
		}
		if ref.ID, err = createRegisterTx(ctx, tx, name, kind, year, now); err != nil {
			return ref, 0, err
		}
	} else if err != nil {
		return ref, 0, fmt.Errorf("find register: %w", err)
	}
	var n int
	if err := tx.QueryRowContext(ctx, `UPDATE registers SET last_number = last_number + 1 WHERE id = ? RETURNING last_number`,
		ref.ID).Scan(&n); err != nil {
		return ref, 0, fmt.Errorf("take the next number of register %q: %w", name, err)
	}
	return ref, n, nil
}
