package simulate

import (
	"fmt"
	"math/rand/v2"
	"net/netip"
	"strings"
	"time"
)

// rng is the one deterministic source of the generator: a PCG seeded from
// Options.Seed. Every random choice goes through it, in a fixed order, so a
// seed gives the same archive byte for byte.
type rng struct{ r *rand.Rand }

func newRNG(seed uint64) *rng { return &rng{rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))} }

func (g *rng) intn(n int) int { return g.r.IntN(n) }

// between returns a value in [lo, hi].
func (g *rng) between(lo, hi int) int { return lo + g.r.IntN(hi-lo+1) }

func (g *rng) chance(p float64) bool { return g.r.Float64() < p }

func pick[T any](g *rng, xs []T) T { return xs[g.r.IntN(len(xs))] }

const (
	lowerAlnum = "abcdefghijklmnopqrstuvwxyz0123456789"
	upperAlnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
	mixedAlnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	hexDigits  = "0123456789abcdef"
	digits     = "0123456789"
)

func (g *rng) str(alphabet string, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = alphabet[g.r.IntN(len(alphabet))]
	}
	return string(b)
}

func (g *rng) hex(n int) string { return g.str(hexDigits, n) }

// uuid is a random (version 4) UUID.
func (g *rng) uuid() string {
	h := g.hex(32)
	return h[0:8] + "-" + h[8:12] + "-4" + h[13:16] + "-" + string("89ab"[g.intn(4)]) + h[17:20] + "-" + h[20:32]
}

// within returns a time in [t, t+d).
func (g *rng) within(t time.Time, d time.Duration) time.Time {
	return t.Add(time.Duration(g.r.Int64N(int64(d)/int64(time.Millisecond))) * time.Millisecond)
}

// ephemeralPort is a client port in the Linux ephemeral range that is not
// one of the mining-pool ports the flow rules watch (a realistic source of
// false positives the simulation avoids).
func (g *rng) ephemeralPort() int {
	for {
		p := g.between(32768, 60999)
		if p != 45700 {
			return p
		}
	}
}

// account is one member of the simulated organization.
type account struct {
	ID   string
	Name string
	// users are IAM users (console and access-key principals).
	users []principal
	// roles used by workloads and people.
	instanceRole, lambdaRole, ssoReadOnly, ssoAdmin, ciDeploy principal
	// instances are EC2 instances (id, private IP, host name) per region.
	instances map[string][]instance
	vpcCIDR   map[string]netip.Prefix
	sgIDs     map[string]string
	vpcIDs    map[string]string
	eni       map[string]string // flow log interface per region
	flowLogID map[string]string
	appBucket string
}

// instance is one EC2 instance of an account.
type instance struct {
	ID   string
	IP   netip.Addr
	Host string // ip-10-1-2-3
}

// principal is who makes a call: its CloudTrail identity and where it
// calls from.
type principal struct {
	identity  identity
	sourceIP  string
	userAgent string
	name      string // user.name as the documents will show it
}

// org is the simulated organization.
type org struct {
	ID       string // o-...
	accounts []*account
	regions  []string
	// security is the GuardDuty delegated administrator (exports findings);
	// archive is the log archive account.
	security, archive *account
	archiveBucket     string
	officeIPs         []string
}

// accountNames are the first accounts' names; later ones are workload-NN.
var accountNames = []string{"management", "log-archive", "security", "prod-payments", "prod-web", "staging", "dev", "sandbox"}

// userNames are the IAM users of every account (enough distinct names for
// password spraying to cross its threshold).
var userNames = []string{"alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy", "ken", "laura", "mike", "nina", "oscar", "svc-backup", "ci-legacy"}

const (
	consoleUA = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Safari/605.1.15"
	sdkUA     = "aws-sdk-go-v2/1.30.3 os/linux lang/go#1.22.5 md/GOOS#linux md/GOARCH#amd64 api/ec2#1.173.0"
	cliUA     = "aws-cli/2.17.20 md/awscrt#0.20.11 ua/2.0 os/linux#6.1.0 md/arch#x86_64 lang/python#3.11.9 md/pyimpl#CPython cfg/retry-mode#standard md/installer#exe md/distrib#amzn.2023 md/prompt#off md/command#ec2.describe-instances"
	botoUA    = "Boto3/1.34.144 md/Botocore#1.34.144 ua/2.0 os/linux#5.10.219-208.866.amzn2.x86_64 md/arch#x86_64 lang/python#3.12.4 md/pyimpl#CPython exec-env#AWS_Lambda_python3.12 cfg/retry-mode#legacy Botocore/1.34.144"
	tfUA      = "APN/1.0 HashiCorp/1.0 Terraform/1.9.3 (+https://www.terraform.io) terraform-provider-aws/5.60.0 (+https://registry.terraform.io/providers/hashicorp/aws) aws-sdk-go-v2/1.30.3"
)

func newOrg(g *rng, n int, regions []string) *org {
	o := &org{ID: "o-" + g.str(lowerAlnum, 10), regions: regions}
	seen := map[string]bool{}
	for i := range n {
		id := ""
		for id == "" || seen[id] {
			id = string(digits[1+g.intn(9)]) + g.str(digits, 11)
		}
		seen[id] = true
		name := fmt.Sprintf("workload-%02d", i)
		if i < len(accountNames) {
			name = accountNames[i]
		}
		o.accounts = append(o.accounts, newAccount(g, id, name, i, regions))
	}
	o.archive, o.security = o.accounts[0], o.accounts[0]
	if n > 1 {
		o.archive, o.security = o.accounts[1], o.accounts[1]
	}
	if n > 2 {
		o.security = o.accounts[2]
	}
	o.archiveBucket = o.ID + "-orgsiem-archive-" + o.archive.ID
	for range 4 {
		o.officeIPs = append(o.officeIPs, fmt.Sprintf("198.51.100.%d", g.between(10, 250)))
	}
	return o
}

func newAccount(g *rng, id, name string, index int, regions []string) *account {
	a := &account{ID: id, Name: name, appBucket: name + "-app-data-" + id,
		instances: map[string][]instance{}, vpcCIDR: map[string]netip.Prefix{}, sgIDs: map[string]string{},
		vpcIDs: map[string]string{}, eni: map[string]string{}, flowLogID: map[string]string{}}
	for _, u := range userNames {
		a.users = append(a.users, principal{
			identity: identity{Type: "IAMUser", PrincipalID: "AIDA" + g.str(upperAlnum, 17),
				ARN: "arn:aws:iam::" + id + ":user/" + u, AccountID: id, AccessKeyID: "AKIA" + g.str(upperAlnum, 16), UserName: u},
			userAgent: consoleUA, name: u,
		})
	}
	role := func(roleName, session, ua string) principal {
		roleID := "AROA" + g.str(upperAlnum, 17)
		return principal{
			identity: identity{Type: "AssumedRole", PrincipalID: roleID + ":" + session,
				ARN:       "arn:aws:sts::" + id + ":assumed-role/" + roleName + "/" + session,
				AccountID: id, AccessKeyID: "ASIA" + g.str(upperAlnum, 16),
				SessionContext: &sessionContext{
					SessionIssuer: sessionIssuer{Type: "Role", PrincipalID: roleID, ARN: "arn:aws:iam::" + id + ":role/" + roleName, AccountID: id, UserName: roleName},
					Attributes:    sessionAttributes{MFAAuthenticated: "false"},
				}},
			userAgent: ua, name: "arn:aws:sts::" + id + ":assumed-role/" + roleName + "/" + session,
		}
	}
	a.instanceRole = role("app-server", "i-0"+g.hex(16), sdkUA)
	a.lambdaRole = role("orders-processor-role", "orders-processor", botoUA)
	a.ssoReadOnly = role("AWSReservedSSO_ReadOnlyAccess_"+g.hex(16), "carol@example.com", consoleUA)
	a.ssoAdmin = role("AWSReservedSSO_AdministratorAccess_"+g.hex(16), "erin@example.com", consoleUA)
	a.ciDeploy = role("ci-deploy", "github-actions-"+g.str(digits, 10), tfUA)
	for ri, region := range regions {
		// 10.<account index>.<region index * 16>.0/20, distinct per account and region.
		base := netip.AddrFrom4([4]byte{10, byte(index % 250), byte(ri * 16), 0})
		a.vpcCIDR[region] = netip.PrefixFrom(base, 20)
		a.vpcIDs[region] = "vpc-0" + g.hex(16)
		a.sgIDs[region] = "sg-0" + g.hex(16)
		a.eni[region] = "eni-0" + g.hex(16)
		a.flowLogID[region] = "fl-0" + g.hex(16)
		for range 3 {
			b := base.As4()
			b[2] += byte(g.between(1, 15))
			b[3] = byte(g.between(4, 250))
			ip := netip.AddrFrom4(b)
			a.instances[region] = append(a.instances[region], instance{
				ID: "i-0" + g.hex(16), IP: ip, Host: "ip-" + strings.ReplaceAll(ip.String(), ".", "-")})
		}
	}
	return a
}

// workloads returns the accounts attack scenarios are placed in: the
// workload accounts when there are any, else every account.
func (o *org) workloads() []*account {
	if len(o.accounts) > 3 {
		return o.accounts[3:]
	}
	return o.accounts
}
