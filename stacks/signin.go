package stacks

import (
	"regexp"
	"strings"

	"github.com/orgsiem/orgsiem/central"
	"github.com/orgsiem/orgsiem/policies"
)

// PeopleConfig is how people sign in and get into the VPC (the
// sign-in and access-path keys).
type PeopleConfig struct {
	SignIn string // signIn: cognito (default), saml or none
	// samlEntityId, samlMetadata (the IdP's metadata XML: public, not a
	// secret), samlRolesKey (assertion attribute with the groups, default
	// Role), samlSubjectKey (default: NameID), samlSessionMinutes (default
	// 60): saml only
	SAMLEntityID, SAMLMetadata, SAMLRolesKey, SAMLSubjectKey string
	SAMLSessionMinutes                                       int
	// adminGroups, analystGroups, auditorGroups: the IdP groups (as the
	// roles attribute carries them) of each role, saml only; with cognito
	// the program creates the groups orgsiem-admin, orgsiem-analyst and
	// orgsiem-auditor
	AdminGroups, AnalystGroups, AuditorGroups []string
	// cognitoDomainPrefix: the user pool's sign-in domain prefix, default
	// orgsiem-<securityAccountId>
	CognitoDomainPrefix string
	AccessPath          string // accessPath: ssm (default) or none; clientvpn is not built
	AccessHostType      string // accessHostType: arm64 (Graviton) instance type, default t4g.nano
}

var (
	// Cognito domain prefixes: lowercase letters, digits and hyphens, not
	// starting or ending with a hyphen, at most 63 characters, and without
	// the reserved words aws, amazon or cognito (Cognito Developer Guide,
	// cognito-user-pools-assign-domain-prefix).
	reCognitoPrefix = regexp.MustCompile(`^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$`)
	reGraviton      = regexp.MustCompile(`^[a-z]+[0-9]+g[a-z]*\.[a-z0-9]+$`)
)

// people reads the sign-in and access-path keys.
func (p *parser) people(securityAccount string) PeopleConfig {
	var c PeopleConfig
	c.SignIn = p.str("signIn", policies.SignInCognito)
	c.AdminGroups = p.list("adminGroups", nil)
	c.AnalystGroups = p.list("analystGroups", nil)
	c.AuditorGroups = p.list("auditorGroups", nil)
	groups := len(c.AdminGroups) + len(c.AnalystGroups) + len(c.AuditorGroups)
	samlKeys := []string{"samlEntityId", "samlMetadata", "samlRolesKey", "samlSubjectKey", "samlSessionMinutes"}
	switch c.SignIn {
	case policies.SignInSAML:
		c.SAMLEntityID = p.str("samlEntityId", "")
		if c.SAMLEntityID == "" {
			p.fail("samlEntityId", "required with signIn saml (the IdP's entity id / issuer URL)")
		}
		c.SAMLMetadata = p.str("samlMetadata", "")
		if m := strings.TrimSpace(c.SAMLMetadata); m == "" {
			p.fail("samlMetadata", "required with signIn saml: the IdP's SAML metadata XML (public; `pulumi config set samlMetadata < metadata.xml`)")
		} else if !strings.HasPrefix(m, "<") || !strings.Contains(m, "EntityDescriptor") {
			p.fail("samlMetadata", "is not SAML metadata XML (no EntityDescriptor element)")
		}
		c.SAMLRolesKey = p.str("samlRolesKey", "Role")
		c.SAMLSubjectKey = p.str("samlSubjectKey", "")
		// OpenSearch Service accepts 1 to 1440 minutes (SAMLOptionsInput).
		c.SAMLSessionMinutes = p.integer("samlSessionMinutes", 60, 1, 1440)
		if groups == 0 {
			p.fail("adminGroups", "with signIn saml at least one of adminGroups, analystGroups, auditorGroups names an IdP group, or nobody can use Dashboards")
		}
	case policies.SignInCognito, policies.SignInNone:
		for _, k := range samlKeys {
			if v, ok := p.get(k); ok && v != "" {
				p.fail(k, "only with signIn saml (signIn is %s)", c.SignIn)
			}
		}
		for _, k := range []string{"adminGroups", "analystGroups", "auditorGroups"} {
			if v, ok := p.get(k); ok && v != "" {
				p.fail(k, "only with signIn saml; with cognito add users to the Cognito groups orgsiem-admin, orgsiem-analyst, orgsiem-auditor")
			}
		}
	default:
		p.fail("signIn", "%q is not cognito, saml or none", c.SignIn)
	}
	c.CognitoDomainPrefix = p.str("cognitoDomainPrefix", "orgsiem-"+securityAccount)
	if c.SignIn == policies.SignInCognito {
		low := strings.ToLower(c.CognitoDomainPrefix)
		if !reCognitoPrefix.MatchString(c.CognitoDomainPrefix) || strings.Contains(low, "aws") || strings.Contains(low, "amazon") || strings.Contains(low, "cognito") {
			p.fail("cognitoDomainPrefix", "%q is not a Cognito domain prefix (lowercase letters, digits, hyphens; no aws, amazon or cognito)", c.CognitoDomainPrefix)
		}
	}
	c.AccessPath = p.str("accessPath", central.AccessSSM)
	switch c.AccessPath {
	case central.AccessSSM, central.AccessNone:
	case "clientvpn":
		p.fail("accessPath", "clientvpn is not built yet: use ssm (port forwarding through Session Manager) or none (your own VPN or peering)")
	default:
		p.fail("accessPath", "%q is not ssm or none", c.AccessPath)
	}
	c.AccessHostType = p.str("accessHostType", "t4g.nano")
	if !reGraviton.MatchString(c.AccessHostType) {
		p.fail("accessHostType", "%q is not an arm64 (Graviton, e.g. t4g.nano) instance type: the host runs the arm64 Amazon Linux 2023 AMI", c.AccessHostType)
	}
	return c
}

// SignInArgs and AccessArgs are the central components' view.
func (c PeopleConfig) SignInArgs() central.SignIn {
	return central.SignIn{
		Mode: c.SignIn, SAMLEntityID: c.SAMLEntityID, SAMLMetadata: c.SAMLMetadata, SAMLRolesKey: c.SAMLRolesKey,
		SAMLSubjectKey: c.SAMLSubjectKey, SAMLSessionMinutes: c.SAMLSessionMinutes,
		Groups:              map[string][]string{"admin": c.AdminGroups, "analyst": c.AnalystGroups, "auditor": c.AuditorGroups},
		CognitoDomainPrefix: c.CognitoDomainPrefix,
	}
}

// AccessArgs is the access path for central.
func (c PeopleConfig) AccessArgs() central.Access {
	return central.Access{Path: c.AccessPath, HostType: c.AccessHostType}
}
