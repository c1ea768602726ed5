package loader

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	"github.com/aws/aws-sdk-go-v2/service/organizations/types"
)

// OrganizationsAPI is the part of the AWS Organizations client account
// enrichment uses. The calls need organizations:DescribeAccount and
// organizations:ListParents, which only the management account or a
// delegated administrator account may make.
type OrganizationsAPI interface {
	DescribeAccount(ctx context.Context, in *organizations.DescribeAccountInput, optFns ...func(*organizations.Options)) (*organizations.DescribeAccountOutput, error)
	ListParents(ctx context.Context, in *organizations.ListParentsInput, optFns ...func(*organizations.Options)) (*organizations.ListParentsOutput, error)
}

// Account is what Organizations says about one member account.
type Account struct {
	ID   string
	Name string // cloud.account.name
	// Parent is the id of the OU (ou-...) or root (r-...) holding the
	// account. ecs.Document has no field for it yet; it is resolved so the
	// report and a future cloud.account.ou field can use it.
	Parent string
}

// Default lifetimes of cached answers.
const (
	DefaultAccountTTL = time.Hour
	// DefaultAccountErrorTTL keeps a failed lookup (no permission, account
	// not in the organization, throttling) from being repeated for every
	// object; enrichment is best effort and never fails an object.
	DefaultAccountErrorTTL = 5 * time.Minute
)

// Accounts resolves account ids to names through Organizations, caching
// answers and failures. It is safe for concurrent use.
type Accounts struct {
	api    OrganizationsAPI
	ttl    time.Duration
	errTTL time.Duration
	now    func() time.Time
	mu     sync.Mutex
	cache  map[string]accountEntry
}

type accountEntry struct {
	acct    Account
	err     error
	expires time.Time
}

// NewAccounts returns a cache over api; ttl and errTTL of 0 take the
// defaults, now nil is time.Now.
func NewAccounts(api OrganizationsAPI, ttl, errTTL time.Duration, now func() time.Time) *Accounts {
	if ttl <= 0 {
		ttl = DefaultAccountTTL
	}
	if errTTL <= 0 {
		errTTL = DefaultAccountErrorTTL
	}
	if now == nil {
		now = time.Now
	}
	return &Accounts{api: api, ttl: ttl, errTTL: errTTL, now: now, cache: map[string]accountEntry{}}
}

// Lookup returns the account's name and parent, from the cache while the
// answer is fresh. A failed lookup is cached for the error TTL and returned
// again (wrapped) until then.
func (a *Accounts) Lookup(ctx context.Context, id string) (Account, error) {
	now := a.now()
	a.mu.Lock()
	e, ok := a.cache[id]
	a.mu.Unlock()
	if ok && now.Before(e.expires) {
		return e.acct, e.err
	}
	acct, err := a.fetch(ctx, id)
	e = accountEntry{acct: acct, err: err, expires: now.Add(a.ttl)}
	if err != nil {
		e.expires = now.Add(a.errTTL)
	}
	a.mu.Lock()
	a.cache[id] = e
	a.mu.Unlock()
	return acct, err
}

func (a *Accounts) fetch(ctx context.Context, id string) (Account, error) {
	out, err := a.api.DescribeAccount(ctx, &organizations.DescribeAccountInput{AccountId: aws.String(id)})
	if err != nil {
		return Account{ID: id}, fmt.Errorf("organizations: describe account %s: %w", id, err)
	}
	acct := Account{ID: id}
	if out.Account != nil {
		acct.Name = aws.ToString(out.Account.Name)
	}
	parents, err := a.api.ListParents(ctx, &organizations.ListParentsInput{ChildId: aws.String(id)})
	if err != nil {
		// The name is what documents carry; keep it.
		return acct, fmt.Errorf("organizations: list parents of %s: %w", id, err)
	}
	for _, p := range parents.Parents {
		if p.Type == types.ParentTypeOrganizationalUnit || p.Type == types.ParentTypeRoot {
			acct.Parent = aws.ToString(p.Id)
			break
		}
	}
	return acct, nil
}
