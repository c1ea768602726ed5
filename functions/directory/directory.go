// Package directory is the account directory function: it lists every
// account of the organization through AWS Organizations (management
// account, outside any VPC) and writes {id, name, e-mail domain, OU path,
// tags} for each to one object in the archive (archive.DirectoryKey), which
// the loader reads through the S3 gateway endpoint. It runs on a schedule
// and on Organizations events (CreateAccountResult, MoveAccount,
// TagResource ...); every run rebuilds the whole directory, so a missed
// event is repaired by the next run.
package directory

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	orgtypes "github.com/aws/aws-sdk-go-v2/service/organizations/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"

	"github.com/orgsiem/orgsiem/internal/accountdir"
	"github.com/orgsiem/orgsiem/internal/archive"
	"github.com/orgsiem/orgsiem/internal/lambdaenv"
)

// OrganizationsAPI is the part of the Organizations client the directory
// uses (organizations:ListAccounts, ListParents, DescribeOrganizationalUnit,
// ListTagsForResource).
type OrganizationsAPI interface {
	organizations.ListAccountsAPIClient
	organizations.ListParentsAPIClient
	organizations.ListTagsForResourceAPIClient
	DescribeOrganizationalUnit(ctx context.Context, in *organizations.DescribeOrganizationalUnitInput, optFns ...func(*organizations.Options)) (*organizations.DescribeOrganizationalUnitOutput, error)
}

// ObjectAPI is the part of the S3 client the directory uses.
type ObjectAPI interface {
	GetObject(ctx context.Context, in *s3.GetObjectInput, optFns ...func(*s3.Options)) (*s3.GetObjectOutput, error)
	PutObject(ctx context.Context, in *s3.PutObjectInput, optFns ...func(*s3.Options)) (*s3.PutObjectOutput, error)
}

// ListAccountsPageSize is ListAccounts' largest page: "MaxResults ... 1
// to 20" (AWS Organizations API Reference, ListAccounts).
const ListAccountsPageSize = 20

// Config is the function's configuration (the archive's variables of
// internal/lambdaenv).
type Config struct {
	Bucket, BucketRegion, BucketOwner, KMSKeyARN string
}

// ConfigFromEnv reads Config; every variable is required.
func ConfigFromEnv(getenv func(string) string) (Config, error) {
	c := Config{
		Bucket: getenv(lambdaenv.ArchiveBucket), BucketRegion: getenv(lambdaenv.ArchiveBucketRegion),
		BucketOwner: getenv(lambdaenv.ArchiveAccountID), KMSKeyARN: getenv(lambdaenv.ArchiveKMSKeyARN),
	}
	for k, v := range map[string]string{
		lambdaenv.ArchiveBucket: c.Bucket, lambdaenv.ArchiveBucketRegion: c.BucketRegion,
		lambdaenv.ArchiveAccountID: c.BucketOwner, lambdaenv.ArchiveKMSKeyARN: c.KMSKeyARN,
	} {
		if v == "" {
			return c, fmt.Errorf("directory config: %s is empty", k)
		}
	}
	return c, nil
}

// Build lists every account of the organization with its OU path and tags.
func Build(ctx context.Context, api OrganizationsAPI, now time.Time) (accountdir.Directory, error) {
	d := accountdir.Directory{Generated: now.UTC(), Accounts: []accountdir.Account{}}
	paths := &ouPaths{api: api, known: map[string]string{}}
	p := organizations.NewListAccountsPaginator(api, &organizations.ListAccountsInput{MaxResults: aws.Int32(ListAccountsPageSize)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return d, fmt.Errorf("organizations: list accounts: %w", err)
		}
		for _, a := range page.Accounts {
			id := aws.ToString(a.Id)
			acct := accountdir.Account{ID: id, Name: aws.ToString(a.Name), EmailDomain: emailDomain(aws.ToString(a.Email)), Status: string(a.State)}
			if acct.OU, err = paths.of(ctx, id); err != nil {
				return d, err
			}
			if acct.Tags, err = tags(ctx, api, id); err != nil {
				return d, err
			}
			d.Accounts = append(d.Accounts, acct)
		}
	}
	return d, nil
}

// emailDomain keeps the part after the last @ (lower case).
func emailDomain(email string) string {
	if i := strings.LastIndexByte(email, '@'); i >= 0 {
		return strings.ToLower(email[i+1:])
	}
	return ""
}

// ouPaths resolves the OU path of a child (account or OU), caching every
// OU it walks through.
type ouPaths struct {
	api   OrganizationsAPI
	known map[string]string // OU or root id -> path
}

func (o *ouPaths) of(ctx context.Context, child string) (string, error) {
	out, err := o.api.ListParents(ctx, &organizations.ListParentsInput{ChildId: aws.String(child)})
	if err != nil {
		return "", fmt.Errorf("organizations: list parents of %s: %w", child, err)
	}
	if len(out.Parents) != 1 {
		// "In the current release, a child can have only a single parent"
		// (ListParents).
		return "", fmt.Errorf("organizations: %s has %d parents, want 1", child, len(out.Parents))
	}
	parent := out.Parents[0]
	id := aws.ToString(parent.Id)
	if path, ok := o.known[id]; ok {
		return path, nil
	}
	var path string
	switch parent.Type {
	case orgtypes.ParentTypeRoot:
		path = "/"
	case orgtypes.ParentTypeOrganizationalUnit:
		ou, err := o.api.DescribeOrganizationalUnit(ctx, &organizations.DescribeOrganizationalUnitInput{OrganizationalUnitId: aws.String(id)})
		if err != nil {
			return "", fmt.Errorf("organizations: describe OU %s: %w", id, err)
		}
		above, err := o.of(ctx, id)
		if err != nil {
			return "", err
		}
		name := ""
		if ou.OrganizationalUnit != nil {
			name = aws.ToString(ou.OrganizationalUnit.Name)
		}
		path = strings.TrimSuffix(above, "/") + "/" + name
	default:
		return "", fmt.Errorf("organizations: parent %s of %s has unknown type %q", id, child, parent.Type)
	}
	o.known[id] = path
	return path, nil
}

func tags(ctx context.Context, api OrganizationsAPI, id string) (map[string]string, error) {
	var out map[string]string
	p := organizations.NewListTagsForResourcePaginator(api, &organizations.ListTagsForResourceInput{ResourceId: aws.String(id)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("organizations: tags of %s: %w", id, err)
		}
		for _, t := range page.Tags {
			if out == nil {
				out = map[string]string{}
			}
			out[aws.ToString(t.Key)] = aws.ToString(t.Value)
		}
	}
	return out, nil
}

// Handler writes the directory.
type Handler struct {
	cfg Config
	org OrganizationsAPI
	s3  ObjectAPI
	now func() time.Time
}

// New returns a handler; now nil is time.Now.
func New(cfg Config, org OrganizationsAPI, s3c ObjectAPI, now func() time.Time) *Handler {
	if now == nil {
		now = time.Now
	}
	return &Handler{cfg: cfg, org: org, s3: s3c, now: now}
}

// Result says what a run did.
type Result struct {
	Accounts int  `json:"accounts"`
	Written  bool `json:"written"` // false: the stored directory already listed the same accounts
}

// Handle rebuilds the directory for any event (schedule or Organizations
// change) and writes it when the accounts differ from the stored object:
// every write is a new version kept under Object Lock, so unchanged
// directories are not rewritten.
func (h *Handler) Handle(ctx context.Context, _ any) (Result, error) {
	d, err := Build(ctx, h.org, h.now())
	if err != nil {
		return Result{}, err
	}
	res := Result{Accounts: len(d.Accounts)}
	if old, err := h.current(ctx); err != nil {
		return res, err
	} else if old != nil && accountdir.SameAccounts(*old, d) {
		return res, nil
	}
	body, err := accountdir.Encode(d)
	if err != nil {
		return res, err
	}
	if _, err := h.s3.PutObject(ctx, &s3.PutObjectInput{
		Bucket: aws.String(h.cfg.Bucket), Key: aws.String(archive.DirectoryKey), Body: bytes.NewReader(body),
		ContentType: aws.String("application/json"), ExpectedBucketOwner: aws.String(h.cfg.BucketOwner),
		ServerSideEncryption: s3types.ServerSideEncryptionAwsKms, SSEKMSKeyId: aws.String(h.cfg.KMSKeyARN),
		// Object Lock buckets require an integrity checksum on PutObject.
		ChecksumAlgorithm: s3types.ChecksumAlgorithmSha256,
	}); err != nil {
		return res, fmt.Errorf("write s3://%s/%s: %w", h.cfg.Bucket, archive.DirectoryKey, err)
	}
	res.Written = true
	return res, nil
}

// current reads the stored directory; nil when there is none yet.
func (h *Handler) current(ctx context.Context) (*accountdir.Directory, error) {
	out, err := h.s3.GetObject(ctx, &s3.GetObjectInput{
		Bucket: aws.String(h.cfg.Bucket), Key: aws.String(archive.DirectoryKey), ExpectedBucketOwner: aws.String(h.cfg.BucketOwner),
	})
	var nsk *s3types.NoSuchKey
	var api smithy.APIError
	switch {
	case errors.As(err, &nsk), errors.As(err, &api) && api.ErrorCode() == "NoSuchKey":
		return nil, nil
	case err != nil:
		return nil, fmt.Errorf("read s3://%s/%s: %w", h.cfg.Bucket, archive.DirectoryKey, err)
	}
	defer out.Body.Close()
	b, err := io.ReadAll(out.Body)
	if err != nil {
		return nil, fmt.Errorf("read s3://%s/%s: %w", h.cfg.Bucket, archive.DirectoryKey, err)
	}
	d, err := accountdir.Decode(b)
	if err != nil {
		// A damaged directory is replaced, not kept.
		return nil, nil
	}
	return &d, nil
}
