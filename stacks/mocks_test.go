package stacks

import (
	"archive/zip"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// The sample organization every program test deploys.
const (
	sampleOrg        = "o-abcdef1234"
	sampleManagement = "111111111111"
	sampleLogArchive = "222222222222"
	sampleSecurity   = "333333333333"
	sampleRoot       = "r-ab12"
	sampleHome       = "eu-west-1"
	sampleOther      = "eu-central-1"
)

// recorded is one resource the program registered.
type recorded struct {
	Type, Name string
	Inputs     map[string]any
	// Account and Region come from the provider the resource was created
	// with (explicit or inherited from its component).
	Account, Region string
	provider        string
	// Protect and RetainOnDelete are the resource options.
	Protect, RetainOnDelete bool
}

// world is the mock engine: it records every resource and answers the
// program's invokes for an organization of n member accounts.
type world struct {
	members int

	mu        sync.Mutex
	resources []recorded
	providers map[string]recorded // by provider id
}

func (w *world) NewResource(args pulumi.MockResourceArgs) (string, resource.PropertyMap, error) {
	id := args.Name + "_id"
	in := args.Inputs.Mappable()
	out := args.Inputs.Copy()
	w.mu.Lock()
	defer w.mu.Unlock()
	r := recorded{Type: args.TypeToken, Name: args.Name, Inputs: in, provider: args.Provider}
	if rpc := args.RegisterRPC; rpc != nil {
		r.Protect, r.RetainOnDelete = rpc.GetProtect(), rpc.GetRetainOnDelete()
	}
	if strings.HasPrefix(args.TypeToken, "pulumi:providers:") {
		if w.providers == nil {
			w.providers = map[string]recorded{}
		}
		w.providers[id] = r
	}
	w.resources = append(w.resources, r)
	// Computed outputs the program reads. ARNs name the account and region
	// of the provider the resource is created with, as AWS would, so a
	// resource wired to another account's ARN fails a test.
	set := func(k, v string) { out[resource.PropertyKey(k)] = resource.NewStringProperty(v) }
	acct, region := "000000000000", sampleHome // default provider: no account
	if args.Provider != "" {
		if p, ok := w.providers[args.Provider[strings.LastIndex(args.Provider, "::")+2:]]; ok {
			if a := providerAccount(p.Inputs); a != "" {
				acct = a
			}
			if r, _ := p.Inputs["region"].(string); r != "" {
				region = r
			}
		}
	}
	switch args.TypeToken {
	case "aws:kms/key:Key":
		set("arn", "arn:aws:kms:"+region+":"+acct+":key/"+args.Name)
		set("keyId", args.Name)
	case "aws:sqs/queue:Queue":
		name, _ := in["name"].(string)
		set("arn", "arn:aws:sqs:"+region+":"+acct+":"+name)
		set("url", "https://sqs."+region+".amazonaws.com/"+acct+"/"+name)
	case "aws:opensearch/domain:Domain":
		set("endpoint", "vpc-orgsiem-abc."+region+".es.amazonaws.com")
		set("dashboardEndpoint", "vpc-orgsiem-abc."+region+".es.amazonaws.com/_dashboards")
		set("arn", "arn:aws:es:"+region+":"+acct+":domain/orgsiem")
	case "aws:iam/role:Role":
		name, _ := in["name"].(string)
		set("arn", "arn:aws:iam::"+acct+":role/"+name)
	case "aws:sns/topic:Topic":
		name, _ := in["name"].(string)
		set("arn", "arn:aws:sns:"+region+":"+acct+":"+name)
	case "aws:lambda/function:Function":
		name, _ := in["name"].(string)
		set("arn", "arn:aws:lambda:"+region+":"+acct+":function:"+name)
	case "aws:cloudwatch/eventRule:EventRule":
		name, _ := in["name"].(string)
		set("arn", "arn:aws:events:"+region+":"+acct+":rule/"+name)
	case "aws:ec2/vpcEndpoint:VpcEndpoint":
		set("prefixListId", "pl-12345678")
	case "aws:cloudformation/stackSet:StackSet":
		set("stackSetId", "orgsiem-member-baseline:1")
	default:
		if _, ok := out["arn"]; !ok {
			set("arn", "arn:aws:mock:::"+args.Name)
		}
	}
	return id, out, nil
}

func (w *world) Call(args pulumi.MockCallArgs) (resource.PropertyMap, error) {
	switch args.Token {
	case "aws:organizations/getOrganization:getOrganization":
		accounts := make([]any, 0, w.members+3)
		for _, a := range []string{sampleManagement, sampleLogArchive, sampleSecurity} {
			accounts = append(accounts, map[string]any{"id": a, "status": "ACTIVE"})
		}
		for i := range w.members {
			accounts = append(accounts, map[string]any{"id": fmt.Sprintf("9%011d", i), "status": "ACTIVE"})
		}
		return resource.NewPropertyMapFromMap(map[string]any{
			"id": sampleOrg, "masterAccountId": sampleManagement, "featureSet": "ALL",
			"roots": []any{map[string]any{"id": sampleRoot, "name": "Root"}}, "accounts": accounts,
		}), nil
	case "aws:index/getAvailabilityZones:getAvailabilityZones":
		return resource.NewPropertyMapFromMap(map[string]any{
			"id": sampleHome, "names": []any{sampleHome + "a", sampleHome + "b", sampleHome + "c"},
		}), nil
	case "aws:ssm/getParameter:getParameter":
		// Only the public AMI parameters AWS publishes under /aws/service/
		// exist in an account that created none.
		name := args.Args["name"].StringValue()
		if !strings.HasPrefix(name, "/aws/service/ami-amazon-linux-latest/") {
			return nil, fmt.Errorf("parameter %s not found", name)
		}
		// AMI ids are regional: the value names the region of the provider
		// the lookup ran with, so a lookup in the wrong region shows.
		region := "of-the-default-provider"
		w.mu.Lock()
		if p, ok := w.providers[args.Provider[strings.LastIndex(args.Provider, "::")+2:]]; ok && args.Provider != "" {
			if r, _ := p.Inputs["region"].(string); r != "" {
				region = r
			}
		}
		w.mu.Unlock()
		return resource.NewPropertyMapFromMap(map[string]any{"id": name, "name": name, "type": "String", "value": "ami-al2023-arm64-" + region}), nil
	case "aws:cognito/getUserPoolClients:getUserPoolClients":
		// The app client OpenSearch Service adds to the user pool when
		// Cognito authentication is enabled on the domain.
		return resource.NewPropertyMapFromMap(map[string]any{
			"id": args.Args["userPoolId"].StringValue(), "clientIds": []any{"4opensearchclient0000000000"}, "clientNames": []any{"AWSOpenSearch-orgsiem"},
		}), nil
	case "aws:ec2/getPrefixList:getPrefixList":
		return resource.NewPropertyMapFromMap(map[string]any{"id": "pl-87654321", "name": "com.amazonaws." + sampleHome + ".s3"}), nil
	}
	return nil, fmt.Errorf("unexpected invoke %s", args.Token)
}

// placed resolves every recorded resource's account and region from the
// provider it was created with.
func (w *world) placed(t testing.TB) []recorded {
	t.Helper()
	var out []recorded
	for _, r := range w.resources {
		if r.provider != "" {
			id := r.provider[strings.LastIndex(r.provider, "::")+2:]
			p, ok := w.providers[id]
			if !ok {
				t.Fatalf("%s %s uses unknown provider %q", r.Type, r.Name, r.provider)
			}
			r.Region, _ = p.Inputs["region"].(string)
			r.Account = providerAccount(p.Inputs)
		}
		out = append(out, r)
	}
	return out
}

// providerAccount is the account a provider works in: the assumed role's
// account, else the single allowed account.
func providerAccount(in map[string]any) string {
	var ar map[string]any
	switch v := in["assumeRole"].(type) {
	case map[string]any:
		ar = v
	case string:
		_ = json.Unmarshal([]byte(v), &ar)
	}
	if arn, ok := ar["roleArn"].(string); ok {
		return strings.Split(arn, ":")[4]
	}
	switch v := in["allowedAccountIds"].(type) {
	case []any:
		if len(v) == 1 {
			return fmt.Sprint(v[0])
		}
	case string:
		var ids []string
		if json.Unmarshal([]byte(v), &ids) == nil && len(ids) == 1 {
			return ids[0]
		}
	}
	return ""
}

// sampleConfig is a valid configuration for the sample organization, with
// dummy Lambda packages in a temporary build directory.
func sampleConfig(t testing.TB) map[string]string {
	t.Helper()
	return map[string]string{
		"organizationId":      sampleOrg,
		"managementAccountId": sampleManagement,
		"logArchiveAccountId": sampleLogArchive,
		"securityAccountId":   sampleSecurity,
		"homeRegion":          sampleHome,
		"regions":             `["` + sampleHome + `","` + sampleOther + `"]`,
		"alertEmails":         `["soc@example.com"]`,
		"buildDir":            writePackages(t),
	}
}

// writePackages writes a small valid zip per function (test input).
func writePackages(t testing.TB) string {
	t.Helper()
	dir := t.TempDir()
	for _, name := range Functions {
		f, err := os.Create(filepath.Join(dir, name+".zip"))
		if err != nil {
			t.Fatal(err)
		}
		zw := zip.NewWriter(f)
		w, err := zw.Create("bootstrap")
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(w, "#!/bin/sh\necho %s\n", name)
		if err := zw.Close(); err != nil {
			t.Fatal(err)
		}
		if err := f.Close(); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// deploy runs the whole program under mocks with cfg (keys without the
// namespace) for an organization of members accounts.
func deploy(t testing.TB, cfg map[string]string, members int) (*world, error) {
	t.Helper()
	w := &world{members: members}
	conf := map[string]string{}
	for k, v := range cfg {
		conf[Namespace+":"+k] = v
	}
	err := pulumi.RunErr(Run, pulumi.WithMocks("orgsiem", "test", w), func(ri *pulumi.RunInfo) { ri.Config = conf })
	return w, err
}

// mustDeploy deploys and returns the placed resources.
func mustDeploy(t testing.TB, cfg map[string]string) []recorded {
	t.Helper()
	w, err := deploy(t, cfg, 3)
	if err != nil {
		t.Fatalf("deploy: %v", err)
	}
	return w.placed(t)
}

func ofType(rs []recorded, token string) []recorded {
	var out []recorded
	for _, r := range rs {
		if r.Type == token {
			out = append(out, r)
		}
	}
	return out
}

// get walks a dotted path through maps and returns the value, or nil.
func get(v any, path string) any {
	for _, k := range strings.Split(path, ".") {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[k]
	}
	return v
}

// asString returns a string input, decoding nothing.
func asString(v any) string {
	s, _ := v.(string)
	return s
}
