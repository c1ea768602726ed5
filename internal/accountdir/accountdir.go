// Package accountdir is the account directory's format: one JSON object in
// the archive (archive.DirectoryKey) listing every account of the
// organization, written by functions/directory and read by the loader.
package accountdir

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
)

// Account is one account of the organization.
type Account struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	// EmailDomain is the domain of the root user's e-mail address (the
	// local part is personal data the SIEM does not need).
	EmailDomain string `json:"email_domain,omitempty"`
	// OU is the path of organizational unit names from the root: "/" for
	// an account directly under the root, "/Workloads/Prod" below.
	OU     string            `json:"ou"`
	Status string            `json:"status,omitempty"`
	Tags   map[string]string `json:"tags,omitempty"`
}

// Directory is the whole object.
type Directory struct {
	Generated time.Time `json:"generated"`
	Accounts  []Account `json:"accounts"`
}

var reAccount = regexp.MustCompile(`^[0-9]{12}$`)

// Encode renders d with accounts sorted by id, so equal directories encode
// equally.
func Encode(d Directory) ([]byte, error) {
	d.Accounts = slices.Clone(d.Accounts)
	slices.SortFunc(d.Accounts, func(a, b Account) int { return strings.Compare(a.ID, b.ID) })
	return json.MarshalIndent(d, "", " ")
}

// SameAccounts reports whether two encoded directories list the same
// accounts (ignoring when they were generated).
func SameAccounts(a, b Directory) bool {
	x, err1 := json.Marshal(sorted(a.Accounts))
	y, err2 := json.Marshal(sorted(b.Accounts))
	return err1 == nil && err2 == nil && bytes.Equal(x, y)
}

func sorted(a []Account) []Account {
	a = slices.Clone(a)
	slices.SortFunc(a, func(x, y Account) int { return strings.Compare(x.ID, y.ID) })
	return a
}

// Decode parses and checks a directory: every account id is 12 digits and
// listed once.
func Decode(b []byte) (Directory, error) {
	var d Directory
	if err := json.Unmarshal(b, &d); err != nil {
		return Directory{}, fmt.Errorf("account directory: %w", err)
	}
	seen := make(map[string]bool, len(d.Accounts))
	for i, a := range d.Accounts {
		if !reAccount.MatchString(a.ID) {
			return Directory{}, fmt.Errorf("account directory: entry %d: %q is not an account id", i, a.ID)
		}
		if seen[a.ID] {
			return Directory{}, fmt.Errorf("account directory: account %s is listed twice", a.ID)
		}
		seen[a.ID] = true
	}
	return d, nil
}
