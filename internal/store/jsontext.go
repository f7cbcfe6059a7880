package store

import (
	"context"
	"database/sql/driver"
	"encoding/json"
	"reflect"
)

// jsonTextConnector hands out lib/pq connections that send JSON arguments as text. With
// binary_parameters lib/pq sends every []byte argument in binary format, right for bytea but
// not for jsonb, whose binary form starts with a version byte (PostgreSQL refuses ent's JSON
// with "unsupported jsonb version number 123", the '{'). ent passes JSON fields as marshalled
// []byte, so a []byte argument that is valid JSON goes as a string, typed by PostgreSQL from
// its column; any other []byte stays binary. gridgov's bytea columns hold SHA-256 digests
// (of session tokens; the keys of the rate-limit and session-position tables), which are not
// JSON but for odds of about 2⁻¹⁵⁰; and even such a digest
// would only change, read as bytea text, if it also held a backslash.
type jsonTextConnector struct{ driver.Connector }

// pqConn is what lib/pq's connections implement; jsonTextConn keeps all of it, so that
// database/sql uses them as it would lib/pq's own.
type pqConn interface {
	driver.Conn
	driver.QueryerContext
	driver.ExecerContext
	driver.ConnPrepareContext
	driver.ConnBeginTx
	driver.Pinger
	driver.SessionResetter
	driver.Validator
	driver.NamedValueChecker
}

// Connect opens a lib/pq connection and wraps it.
func (c jsonTextConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.Connector.Connect(ctx)
	if err != nil {
		return nil, err
	}
	pc, ok := conn.(pqConn)
	if !ok {
		return conn, nil
	}
	return jsonTextConn{pc}, nil
}

type jsonTextConn struct{ pqConn }

// CheckNamedValue turns a JSON []byte into a string, then lets lib/pq convert as it does.
func (c jsonTextConn) CheckNamedValue(nv *driver.NamedValue) error {
	if v := reflect.ValueOf(nv.Value); v.Kind() == reflect.Slice && v.Type().Elem().Kind() == reflect.Uint8 && json.Valid(v.Bytes()) {
		nv.Value = string(v.Bytes()) // []byte, json.RawMessage and the like
	}
	return c.pqConn.CheckNamedValue(nv)
}
