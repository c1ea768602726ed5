package policies

import (
	"strings"
)

// This file is a small evaluator of the policy language subset orgsiem
// writes: Allow/Deny, Principal (*, AWS account/role, Service), Action and
// Resource with * and ? wildcards, policy variables (${aws:PrincipalAccount})
// in Resource, and the condition operators StringEquals, StringNotEquals,
// StringEqualsIgnoreCase, StringLike, StringNotLike, ArnEquals, ArnLike,
// ArnNotEquals, ArnNotLike, Bool, Null, each with the IfExists suffix and the
// ForAnyValue:/ForAllValues: set prefixes. It exists so tests can prove what
// a document allows and refuses; it is not an authorizer.

// Caller is who makes a request.
type Caller struct {
	// ARN is the IAM principal ARN (a role ARN for assumed roles), empty for
	// service principals and anonymous callers.
	ARN string
	// Service is the service principal (cloudtrail.amazonaws.com), if any.
	Service string
	// Account is the caller's account id (empty for services and anonymous).
	Account string
}

// Request is one API call to evaluate.
type Request struct {
	Caller   Caller
	Action   string // service:Action
	Resource string // ARN
	// Context holds condition keys (aws:SecureTransport, aws:PrincipalOrgID,
	// aws:SourceArn, kms:EncryptionContext:..., s3:x-amz-acl ...). Keys are
	// matched case-insensitively, as AWS does.
	Context map[string][]string
}

// With returns a copy of r with a context key set (nil values remove it).
func (r Request) With(key string, values ...string) Request {
	ctx := make(map[string][]string, len(r.Context)+1)
	for k, v := range r.Context {
		ctx[k] = v
	}
	if values == nil {
		delete(ctx, key)
	} else {
		ctx[key] = values
	}
	r.Context = ctx
	return r
}

// RoleRequest builds a TLS request by an IAM role, with the global keys AWS
// sets for it: aws:PrincipalArn, aws:PrincipalAccount, aws:PrincipalOrgID
// (when orgID is not empty), aws:PrincipalIsAWSService=false.
func RoleRequest(roleARN, orgID, action, resource string) Request {
	acct := arnAccount(roleARN)
	ctx := map[string][]string{
		"aws:SecureTransport":       {"true"},
		"aws:PrincipalArn":          {roleARN},
		"aws:PrincipalAccount":      {acct},
		"aws:PrincipalIsAWSService": {"false"},
	}
	if orgID != "" {
		ctx["aws:PrincipalOrgID"] = []string{orgID}
	}
	return Request{Caller: Caller{ARN: roleARN, Account: acct}, Action: action, Resource: resource, Context: ctx}
}

// ServiceRequest builds a TLS request by an AWS service principal acting for
// sourceARN/sourceAccount (aws:SourceArn, aws:SourceAccount,
// aws:PrincipalIsAWSService=true); empty values are left out.
func ServiceRequest(service, sourceARN, sourceAccount, action, resource string) Request {
	ctx := map[string][]string{
		"aws:SecureTransport":       {"true"},
		"aws:PrincipalIsAWSService": {"true"},
		"aws:PrincipalServiceName":  {service},
	}
	if sourceARN != "" {
		ctx["aws:SourceArn"] = []string{sourceARN}
	}
	if sourceAccount != "" {
		ctx["aws:SourceAccount"] = []string{sourceAccount}
	}
	return Request{Caller: Caller{Service: service}, Action: action, Resource: resource, Context: ctx}
}

// Decision is the outcome of evaluating documents for a request.
type Decision int

// Decisions. NoMatch is the implicit deny.
const (
	NoMatch Decision = iota
	// AllowViaAccount: a resource policy allows the caller's whole account
	// (account root or id as principal); the account must still grant the
	// caller through an identity policy.
	AllowViaAccount
	Allowed
	Denied
)

func (d Decision) String() string {
	switch d {
	case AllowViaAccount:
		return "allow-via-account"
	case Allowed:
		return "allow"
	case Denied:
		return "deny"
	}
	return "no-match"
}

// Evaluate returns the decision of one document: Denied if any matching
// statement denies, else the strongest allow, else NoMatch.
func (d Document) Evaluate(r Request) Decision {
	out := NoMatch
	for _, s := range d.Statement {
		m, viaAccount := s.matches(r)
		if !m {
			continue
		}
		if s.Effect == Deny {
			return Denied
		}
		if viaAccount {
			out = max(out, AllowViaAccount)
		} else {
			out = Allowed
		}
	}
	return out
}

// Authorize combines identity policies (attached to the caller) and
// resource policies (bucket, key, queue, topic policy) the way AWS does for
// the cases orgsiem relies on: an explicit deny anywhere wins; a service
// principal needs the resource policy; a caller in the resource's own
// account needs an allow from either side, where a resource-policy grant to
// the whole account counts only together with an identity allow; a caller in
// another account needs both. Key policies are resource policies here.
func Authorize(r Request, resourceAccount string, identity []Document, resource []Document) bool {
	idAllow, resAllow, resViaAccount := false, false, false
	for _, d := range identity {
		switch d.Evaluate(r) {
		case Denied:
			return false
		case Allowed, AllowViaAccount:
			idAllow = true
		}
	}
	for _, d := range resource {
		switch d.Evaluate(r) {
		case Denied:
			return false
		case Allowed:
			resAllow = true
		case AllowViaAccount:
			resViaAccount = true
		}
	}
	if r.Caller.Service != "" {
		return resAllow
	}
	if r.Caller.Account == resourceAccount {
		return resAllow || idAllow
	}
	return (resAllow || resViaAccount) && idAllow
}

// matches reports whether the statement applies to r, and whether its
// principal matched only through an account-wide grant.
func (s Statement) matches(r Request) (match, viaAccount bool) {
	if s.Principal != nil {
		var ok bool
		ok, viaAccount = s.Principal.matches(r.Caller)
		if !ok {
			return false, false
		}
	}
	if !anyGlob(s.Action, r.Action, true) {
		return false, false
	}
	if len(s.Resource) > 0 {
		ok := false
		for _, pat := range s.Resource {
			p, resolved := substitute(pat, r.Context)
			if resolved && glob(p, r.Resource, false) {
				ok = true
				break
			}
		}
		if !ok {
			return false, false
		}
	}
	for op, keys := range s.Condition {
		for key, values := range keys {
			if !evalCondition(op, lookup(r.Context, key), values) {
				return false, false
			}
		}
	}
	return true, viaAccount
}

func (p *Principal) matches(c Caller) (ok, viaAccount bool) {
	if p.Any {
		return true, false
	}
	for _, s := range p.Service {
		if c.Service != "" && s == c.Service {
			return true, false
		}
	}
	if c.ARN == "" {
		return false, false
	}
	for _, a := range p.AWS {
		switch {
		case a == c.ARN:
			return true, false
		case a == c.Account, a == "arn:aws:iam::"+c.Account+":root":
			return true, true
		}
	}
	return false, false
}

// substitute replaces ${key} policy variables from ctx. An unknown or
// multi-valued variable leaves the pattern unresolved (no match, as AWS).
func substitute(pat string, ctx map[string][]string) (string, bool) {
	var b strings.Builder
	for {
		i := strings.Index(pat, "${")
		if i < 0 {
			b.WriteString(pat)
			return b.String(), true
		}
		j := strings.IndexByte(pat[i:], '}')
		if j < 0 {
			b.WriteString(pat)
			return b.String(), true
		}
		v := lookup(ctx, pat[i+2:i+j])
		if len(v) != 1 {
			return "", false
		}
		b.WriteString(pat[:i])
		b.WriteString(v[0])
		pat = pat[i+j+1:]
	}
}

func lookup(ctx map[string][]string, key string) []string {
	if v, ok := ctx[key]; ok {
		return v
	}
	for k, v := range ctx {
		if strings.EqualFold(k, key) {
			return v
		}
	}
	return nil
}

// evalCondition evaluates one operator for one key. present is the request
// values (nil when the key is absent).
func evalCondition(op string, present []string, policy []string) bool {
	set := ""
	switch {
	case strings.HasPrefix(op, "ForAnyValue:"):
		set, op = "any", strings.TrimPrefix(op, "ForAnyValue:")
	case strings.HasPrefix(op, "ForAllValues:"):
		set, op = "all", strings.TrimPrefix(op, "ForAllValues:")
	}
	ifExists := strings.HasSuffix(op, "IfExists")
	op = strings.TrimSuffix(op, "IfExists")

	if op == "Null" {
		want := len(policy) > 0 && strings.EqualFold(policy[0], "true")
		return (present == nil) == want
	}
	if present == nil {
		switch {
		case ifExists:
			return true
		case set == "all":
			return true // vacuously true for an empty set
		case set == "any":
			return false
		}
		return negated(op) // a negated operator holds when the key is absent
	}
	match, neg, ok := operator(op)
	if !ok {
		return false // unknown operators never match: a test will notice
	}
	one := func(v string) bool {
		for _, p := range policy {
			if match(p, v) {
				return true
			}
		}
		return false
	}
	switch set {
	case "any":
		for _, v := range present {
			if one(v) != neg {
				return true
			}
		}
		return false
	case "all":
		for _, v := range present {
			if one(v) == neg {
				return false
			}
		}
		return true
	}
	// Single-valued key: positive operators need a match of some value,
	// negated operators need no value to match.
	hit := false
	for _, v := range present {
		if one(v) {
			hit = true
			break
		}
	}
	return hit != neg
}

func negated(op string) bool {
	_, neg, ok := operator(op)
	return ok && neg
}

// operator returns the matcher of an operator and whether it is negated.
func operator(op string) (match func(pattern, value string) bool, neg, ok bool) {
	switch op {
	case "StringEquals":
		return func(p, v string) bool { return p == v }, false, true
	case "StringNotEquals":
		return func(p, v string) bool { return p == v }, true, true
	case "StringEqualsIgnoreCase":
		return strings.EqualFold, false, true
	case "StringNotEqualsIgnoreCase":
		return strings.EqualFold, true, true
	case "StringLike":
		return func(p, v string) bool { return glob(p, v, false) }, false, true
	case "StringNotLike":
		return func(p, v string) bool { return glob(p, v, false) }, true, true
	case "ArnEquals", "ArnLike":
		return arnLike, false, true
	case "ArnNotEquals", "ArnNotLike":
		return arnLike, true, true
	case "Bool":
		return strings.EqualFold, false, true
	}
	return nil, false, false
}

// arnLike matches the six colon-separated ARN parts one by one, each with
// wildcards, as ArnLike does.
func arnLike(pattern, value string) bool {
	pp := strings.SplitN(pattern, ":", 6)
	vv := strings.SplitN(value, ":", 6)
	if len(pp) != 6 || len(vv) != 6 {
		return false
	}
	for i := range pp {
		if !glob(pp[i], vv[i], false) {
			return false
		}
	}
	return true
}

func anyGlob(patterns []string, s string, fold bool) bool {
	for _, p := range patterns {
		if glob(p, s, fold) {
			return true
		}
	}
	return false
}

// glob matches s against a pattern where * is any run of characters and ?
// is one character. fold makes the match case-insensitive (actions).
func glob(pattern, s string, fold bool) bool {
	if fold {
		pattern, s = strings.ToLower(pattern), strings.ToLower(s)
	}
	// Iterative wildcard match with backtracking to the last star.
	p, i, star, mark := 0, 0, -1, 0
	for i < len(s) {
		switch {
		case p < len(pattern) && (pattern[p] == '?' || pattern[p] == s[i]):
			p++
			i++
		case p < len(pattern) && pattern[p] == '*':
			star, mark = p, i
			p++
		case star >= 0:
			p = star + 1
			mark++
			i = mark
		default:
			return false
		}
	}
	for p < len(pattern) && pattern[p] == '*' {
		p++
	}
	return p == len(pattern)
}

func arnAccount(arn string) string {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) < 5 {
		return ""
	}
	return parts[4]
}

// Service-side rules: the calls an AWS service makes, or the action it
// authorizes, for an operation orgsiem depends on. Each is written from the
// service's documentation (cited) so tests evaluate our documents against
// what the service really asks, not what our code assumes it asks.

// S3GetObjectAction is the action S3 authorizes for GetObject. "If you
// include a versionId in your request header, you must have the
// s3:GetObjectVersion permission to access a specific version of an
// object" (Amazon S3 API Reference, GetObject, Permissions). Notifications
// of a versioned bucket carry the versionId, and the loader reads that
// version.
func S3GetObjectAction(versionID string) string {
	if versionID != "" {
		return "s3:GetObjectVersion"
	}
	return "s3:GetObject"
}

// CloudTrailKeyCalls are the KMS calls CloudTrail makes, as the trail's
// service principal, to create or update a trail encrypting log files with
// keyARN (CloudTrail User Guide, "Configure AWS KMS key policies for
// CloudTrail"): kms:GenerateDataKey* under the trail's encryption context
// and kms:DescribeKey; and "If you are using an existing S3 bucket with an
// S3 Bucket Key, kms:Decrypt permissions are required to create or update
// a trail with SSE-KMS encryption enabled". aws:SourceArn is the trail.
func CloudTrailKeyCalls(trailARN, trailAccount, keyARN string, bucketKey bool) []Request {
	call := func(action string) Request {
		return ServiceRequest("cloudtrail.amazonaws.com", trailARN, trailAccount, action, keyARN)
	}
	out := []Request{
		call("kms:GenerateDataKey").With("kms:EncryptionContext:aws:cloudtrail:arn", trailARN),
		call("kms:DescribeKey"),
	}
	if bucketKey {
		out = append(out, call("kms:Decrypt"))
	}
	return out
}

// AlarmToEncryptedTopicCalls are the calls CloudWatch makes, as
// cloudwatch.amazonaws.com, when an alarm action publishes to an SNS topic
// encrypted with keyARN: sns:Publish on the topic, and kms:Decrypt and
// kms:GenerateDataKey* on the key, which the key policy must allow ("Enable
// compatibility between event sources from AWS services and encrypted
// topics", Amazon SNS Developer Guide, Key management). aws:SourceArn is
// the alarm, aws:SourceAccount its account.
func AlarmToEncryptedTopicCalls(alarmARN, account, topicARN, keyARN string) []Request {
	return []Request{
		ServiceRequest("cloudwatch.amazonaws.com", alarmARN, account, "sns:Publish", topicARN),
		snsDataKeyRequest("cloudwatch.amazonaws.com", "kms:GenerateDataKey", topicARN, keyARN),
		snsDataKeyRequest("cloudwatch.amazonaws.com", "kms:Decrypt", topicARN, keyARN),
	}
}

// snsDataKeyRequest is a KMS call made for a service publishing to an
// encrypted topic: SNS binds every data key to the topic with the
// encryption context aws:sns:topicArn (AWS documents the key
// kms:EncryptionContext:aws:sns:topicArn for services publishing to
// encrypted topics, e.g. the Amazon GameLift FlexMatch guide, "Set up an
// SNS topic with server-side encryption"). Whether such a call also carries
// aws:SourceArn or aws:SourceAccount is not documented, so the model
// leaves them out: a key policy that needs them fails here, as it could
// in AWS.
func snsDataKeyRequest(service, action, topicARN, keyARN string) Request {
	r := ServiceRequest(service, "", "", action, keyARN)
	return r.With("kms:EncryptionContext:aws:sns:topicArn", topicARN)
}

// S3NotificationCall is the call S3 makes to deliver an event notification
// of bucketARN (owned by bucketAccount) to an SQS queue: sqs:SendMessage by
// s3.amazonaws.com, which the queue policy must allow; AWS's example policy
// pins it with aws:SourceArn (the bucket) and aws:SourceAccount (its owner)
// (Amazon S3 User Guide, "Walkthrough: Configuring a bucket for
// notifications (SNS topic or SQS queue)").
func S3NotificationCall(bucketARN, bucketAccount, queueARN string) Request {
	return ServiceRequest("s3.amazonaws.com", bucketARN, bucketAccount, "sqs:SendMessage", queueARN)
}

// LambdaUnreservedMinimum is the concurrency Lambda keeps unreserved in an
// account and region: "Lambda requires at least 100 units of concurrency
// to remain unreserved" (put-function-concurrency fails otherwise) (AWS
// Lambda Developer Guide, "Configuring reserved concurrency").
const LambdaUnreservedMinimum = 100

// ReservedConcurrencyFits reports whether reserving reserved units leaves
// Lambda's unreserved minimum in an account whose concurrency quota is
// quota, given alreadyReserved units reserved by other functions.
func ReservedConcurrencyFits(quota, alreadyReserved, reserved int) bool {
	return quota-alreadyReserved-reserved >= LambdaUnreservedMinimum
}
