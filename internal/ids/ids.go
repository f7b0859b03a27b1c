// Package ids makes and checks the ids of stored objects — records,
// follow-ups, bulk runs, permission requests: UUIDv7, in canonical
// lower-case form. Checking the form of an id that comes with a request
// keeps anything else from reaching SQL or logs.
package ids

import "github.com/google/uuid"

// New returns a new UUIDv7, ordered by creation time. It cannot fail:
// uuid.NewV7 fails only when its random source does, and crypto/rand
// never returns an error (Go 1.24 and later).
func New() string { return uuid.Must(uuid.NewV7()).String() }

// Valid reports whether id is a UUID in canonical lower-case form.
func Valid(id string) bool {
	u, err := uuid.Parse(id)
	return err == nil && u.String() == id
}
