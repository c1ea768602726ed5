// Package policies holds every IAM, bucket, key, queue and topic policy of
// orgsiem as typed Go values, so least privilege is reviewed in one place.
//
// Builders are pure functions of plain strings (account ids, ARNs, names):
// the Pulumi components in central and member call them (inside ApplyT when
// an ARN is only known after creation) and marshal the result to JSON, and
// the tests in this package run the very same documents through Evaluate.
//
// Rules followed by every builder: no "*" action, no "*" resource unless the
// API offers no resource-level permission, and then a comment says so;
// service principals are pinned with aws:SourceArn or aws:SourceAccount;
// cross-account grants are pinned with aws:PrincipalOrgID.
package policies

import (
	"encoding/json"
	"slices"
)

// Version is the only policy language version orgsiem writes.
const Version = "2012-10-17"

// Effect is Allow or Deny.
type Effect string

// Effects.
const (
	Allow Effect = "Allow"
	Deny  Effect = "Deny"
)

// Document is an IAM policy document (identity, trust or resource policy).
type Document struct {
	Version   string      `json:"Version"`
	Statement []Statement `json:"Statement"`
}

// Statement is one statement of a Document. Principal is nil in identity
// policies; Resource is empty in trust policies.
type Statement struct {
	Sid       string     `json:"Sid,omitempty"`
	Effect    Effect     `json:"Effect"`
	Principal *Principal `json:"Principal,omitempty"`
	Action    []string   `json:"Action"`
	Resource  []string   `json:"Resource,omitempty"`
	Condition Condition  `json:"Condition,omitempty"`
}

// Principal is the Principal element: "*" (Any) or lists of AWS principals
// (account ids, account root ARNs, role ARNs) and service principals.
type Principal struct {
	Any     bool
	AWS     []string
	Service []string
	// Federated names web identity providers (cognito-identity.amazonaws.com)
	// in trust policies of roles assumed with AssumeRoleWithWebIdentity.
	Federated []string
}

// AnyPrincipal is "Principal": "*" — every caller; always narrowed by a
// condition in orgsiem's documents.
func AnyPrincipal() *Principal { return &Principal{Any: true} }

// AWSPrincipal names AWS principals (role ARNs, account root ARNs).
func AWSPrincipal(arns ...string) *Principal { return &Principal{AWS: arns} }

// ServicePrincipal names AWS service principals (cloudtrail.amazonaws.com ...).
func ServicePrincipal(names ...string) *Principal { return &Principal{Service: names} }

// MarshalJSON writes "*" or {"AWS": [...], "Service": [...]}.
func (p Principal) MarshalJSON() ([]byte, error) {
	if p.Any {
		return []byte(`"*"`), nil
	}
	m := map[string][]string{}
	if len(p.AWS) > 0 {
		m["AWS"] = p.AWS
	}
	if len(p.Service) > 0 {
		m["Service"] = p.Service
	}
	if len(p.Federated) > 0 {
		m["Federated"] = p.Federated
	}
	return json.Marshal(m)
}

// UnmarshalJSON reads "*", {"AWS": "x"} or {"AWS": ["x", ...]} forms.
func (p *Principal) UnmarshalJSON(b []byte) error {
	var s string
	if json.Unmarshal(b, &s) == nil {
		if s != "*" {
			return &json.UnsupportedValueError{Str: "principal " + s}
		}
		*p = Principal{Any: true}
		return nil
	}
	var m map[string]stringOrList
	if err := json.Unmarshal(b, &m); err != nil {
		return err
	}
	*p = Principal{AWS: m["AWS"], Service: m["Service"], Federated: m["Federated"]}
	if slices.Equal(p.AWS, []string{"*"}) {
		*p = Principal{Any: true}
	}
	return nil
}

// stringOrList accepts a JSON string or a list of strings.
type stringOrList []string

func (s *stringOrList) UnmarshalJSON(b []byte) error {
	var one string
	if json.Unmarshal(b, &one) == nil {
		*s = []string{one}
		return nil
	}
	var many []string
	if err := json.Unmarshal(b, &many); err != nil {
		return err
	}
	*s = many
	return nil
}

// Condition is the Condition element: operator → condition key → values.
// Keys within an operator and operators within a Condition are ANDed;
// values of one key are ORed.
type Condition map[string]map[string][]string

// When starts a Condition with one operator/key/values clause.
func When(op, key string, values ...string) Condition {
	return Condition{}.And(op, key, values...)
}

// And adds a clause and returns the condition for chaining.
func (c Condition) And(op, key string, values ...string) Condition {
	if c[op] == nil {
		c[op] = map[string][]string{}
	}
	c[op][key] = append(c[op][key], values...)
	return c
}

// JSON is the compact JSON form of d. The types of Document cannot fail to
// marshal, so no error is returned.
func (d Document) JSON() string {
	b, err := json.Marshal(d)
	if err != nil {
		// Unreachable: Document holds only strings, slices and maps of strings.
		return `{"error":` + jsonString(err.Error()) + `}`
	}
	return string(b)
}

func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// Parse reads a policy document from JSON (used by tests and by callers
// that want to re-check a rendered document).
func Parse(b []byte) (Document, error) {
	var raw struct {
		Version   string `json:"Version"`
		Statement []struct {
			Sid       string       `json:"Sid"`
			Effect    Effect       `json:"Effect"`
			Principal *Principal   `json:"Principal"`
			Action    stringOrList `json:"Action"`
			Resource  stringOrList `json:"Resource"`
			Condition map[string]map[string]stringOrList
		} `json:"Statement"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return Document{}, err
	}
	d := Document{Version: raw.Version}
	for _, s := range raw.Statement {
		st := Statement{Sid: s.Sid, Effect: s.Effect, Principal: s.Principal, Action: s.Action, Resource: s.Resource}
		for op, keys := range s.Condition {
			for k, v := range keys {
				st.Condition = st.Condition.orNew().And(op, k, v...)
			}
		}
		d.Statement = append(d.Statement, st)
	}
	return d, nil
}

func (c Condition) orNew() Condition {
	if c == nil {
		return Condition{}
	}
	return c
}

// Actions lists every action named by the document (for the test that each
// exists in the IAM service reference).
func (d Document) Actions() []string {
	var out []string
	for _, s := range d.Statement {
		out = append(out, s.Action...)
	}
	return out
}
