package loader

import (
	"context"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/orgsiem/orgsiem/internal/accountdir"
	"github.com/orgsiem/orgsiem/internal/archive"
)

// ObjectGetter is the part of the S3 client the account directory reader
// uses. The loader runs in a VPC whose only way to AWS APIs is its
// endpoints; AWS Organizations has no VPC endpoint, so account names come
// from the directory the directory function (management account) writes
// into the archive, read here through the S3 gateway endpoint.
type ObjectGetter interface {
	GetObject(ctx context.Context, in *s3.GetObjectInput, optFns ...func(*s3.Options)) (*s3.GetObjectOutput, error)
}

// Account is what the directory says about one account.
type Account struct {
	ID   string
	Name string // cloud.account.name
	OU   string // orgsiem.account.ou: "/Workloads/Prod", "/" for the root
}

// Refresh periods of the directory.
const (
	// DefaultDirectoryRefresh is how long a read directory is used before
	// it is read again.
	DefaultDirectoryRefresh = 5 * time.Minute
	// directoryRetry is how long a failed read waits before it is tried
	// again (the previous directory, if any, stays in use meanwhile).
	directoryRetry = time.Minute
)

// Accounts resolves account ids through the account directory object,
// re-reading it every refresh period. It is safe for concurrent use.
type Accounts struct {
	s3      ObjectGetter
	bucket  string
	refresh time.Duration
	now     func() time.Time

	mu       sync.Mutex
	byID     map[string]Account
	next     time.Time // when to read the object again
	lastErr  error
	loadedAt time.Time
}

// NewAccounts reads archive.DirectoryKey of bucket through client; refresh
// 0 is DefaultDirectoryRefresh, now nil is time.Now.
func NewAccounts(client ObjectGetter, bucket string, refresh time.Duration, now func() time.Time) *Accounts {
	if refresh <= 0 {
		refresh = DefaultDirectoryRefresh
	}
	if now == nil {
		now = time.Now
	}
	return &Accounts{s3: client, bucket: bucket, refresh: refresh, now: now}
}

// Lookup returns the account's name and OU path. An account missing from
// the directory, or a directory that cannot be read, is an error (with the
// id kept); enrichment is best effort and never fails an object.
func (a *Accounts) Lookup(ctx context.Context, id string) (Account, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if now := a.now(); !now.Before(a.next) {
		byID, err := a.read(ctx)
		if err != nil {
			a.lastErr, a.next = err, now.Add(directoryRetry)
		} else {
			a.byID, a.lastErr, a.next, a.loadedAt = byID, nil, now.Add(a.refresh), now
		}
	}
	if a.byID == nil {
		return Account{ID: id}, a.lastErr
	}
	acct, ok := a.byID[id]
	if !ok {
		return Account{ID: id}, fmt.Errorf("account %s is not in the account directory s3://%s/%s (read %s)",
			id, a.bucket, archive.DirectoryKey, a.loadedAt.UTC().Format(time.RFC3339))
	}
	return acct, nil
}

func (a *Accounts) read(ctx context.Context) (map[string]Account, error) {
	where := "s3://" + a.bucket + "/" + archive.DirectoryKey
	out, err := a.s3.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(a.bucket), Key: aws.String(archive.DirectoryKey)})
	if err != nil {
		return nil, fmt.Errorf("account directory %s: %w", where, err)
	}
	defer out.Body.Close()
	b, err := io.ReadAll(out.Body)
	if err != nil {
		return nil, fmt.Errorf("account directory %s: %w", where, err)
	}
	d, err := accountdir.Decode(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", where, err)
	}
	byID := make(map[string]Account, len(d.Accounts))
	for _, x := range d.Accounts {
		byID[x.ID] = Account{ID: x.ID, Name: x.Name, OU: x.OU}
	}
	return byID, nil
}

// Member reports whether id is an account of the organization, for the
// trust model (logs.Sources.Member). While the directory cannot be read
// every account is believed: the documents keep their archive key's
// account either way, and flagging every record of an allow-listed source
// as tampering during an S3 outage would bury real alerts.
func (a *Accounts) Member(id string) bool {
	_, err := a.Lookup(context.Background(), id)
	if err == nil {
		return true
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.byID == nil
}
