// Package ids makes and checks the ids of stored objects — records,
// follow-ups, bulk runs, permission requests: UUIDv7, in canonical
// lower-case form. Checking the form of an id that comes with a request
// keeps anything else from reaching SQL or logs.
package ids

import (
	"fmt"

	"github.com/google/uuid"
)

// New returns a new UUIDv7, ordered by creation time.
func New() (string, error) {
	u, err := uuid.NewV7()
	if err != nil {
		return "", fmt.Errorf("new id: %w", err)
	}
	return u.String(), nil
}

// Valid reports whether id is a UUID in canonical lower-case form.
func Valid(id string) bool {
	u, err := uuid.Parse(id)
	return err == nil && u.String() == id
}
