package archive

import (
	"fmt"
	"time"
)

// Location is what a key of the archive says about its object.
type Location struct {
	Key     string
	Source  string // who wrote it: "aws" (a service delivered it) or "orgsiem"
	LogType string // a Type* constant
	OrgID   string // o-xxxxxxxxxx for organization trails, else empty
	Account string
	Region  string
	// LogGroup is set for CloudWatch Logs objects (unescaped).
	LogGroup string
	// Time is the delivery time the key carries (hour or day precision).
	Time time.Time
	// Skip names why objects at this key are not indexed ("cloudtrail-digest"), else empty.
	Skip string
}

// UnknownKeyError reports a key that matches no known layout.
type UnknownKeyError struct{ Key string }

func (e *UnknownKeyError) Error() string {
	return fmt.Sprintf("archive: key %q matches no known layout", e.Key)
}

// Parse maps a key of the archive to its Location.
func Parse(key string) (Location, error) {
	// TODO(archive helper): replace with the full layout table.
	return Location{}, &UnknownKeyError{Key: key}
}
