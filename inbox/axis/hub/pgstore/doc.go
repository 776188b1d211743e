// Package pgstore keeps the reference axis server's queues in PostgreSQL so
// that several axisd instances can serve one province.
package pgstore

import _ "github.com/jackc/pgx/v5/stdlib" // the PostgreSQL driver
