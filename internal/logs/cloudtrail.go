package logs

// CloudTrail: https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference-record-contents.html
//
// Accepted shapes, decided by the first bytes of the object (never by trial):
//   - {"Records":[...]} as CloudTrail delivers to S3 (gzip or not, any size;
//     several such objects may follow each other): streamed element by
//     element, never holding more than one record (MaxLineBytes).
//   - Otherwise one JSON value per line (NDJSON), where a value that opens
//     with a line holding only "{" or "[" may span lines (pretty-printed
//     examples). Each value is a record, a {"Records":[...]} wrapper, an
//     array of records, or a digest file (skipped as "cloudtrail-digest").
//     A line that does not complete a JSON value is an error document; the
//     next line is read as a new record.
//
// Mapping to ECS (see mapTo): @timestamp=eventTime, event.action=eventName
// (Insights: insightDetails.insightType), event.provider=eventSource,
// event.id=eventID (also the _id, so a record delivered both to S3 and
// through CloudWatch Logs is indexed once), event.outcome (failure when
// errorCode is present; sign-in events use responseElements.<eventName>),
// cloud.account.id=recipientAccountId (else the key's account, else
// userIdentity.accountId; trust.go decides whether the claim is believed),
// user.target.name and group.name (requestParameters.userName/groupName of
// IAM calls; the target user also in related.user), tls.* (tlsDetails),
// error.code/error.message (errorCode/errorMessage), @timestamp from
// eventTime or, for records other tools re-exported, their @timestamp,
// cloud.region=awsRegion, source.ip only when sourceIPAddress parses as an IP
// (else source.domain for service names), user.*, user_agent.original,
// related.*. The record itself is aws.cloudtrail with its original names.
// Every top-level value has the JSON type the schema declares (ctFix): a
// flat_object field always holds an object (or null), a value that is not is
// wrapped as {"_value": <value>}.

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"strings"
	"time"

	"github.com/tidwall/gjson"

	"github.com/orgsiem/orgsiem/internal/archive"
	"github.com/orgsiem/orgsiem/internal/ecs"
)

// skipCloudTrailDigest names digest files (integrity hashes, no events).
const skipCloudTrailDigest = archive.SkipCloudTrailDigest

func parseCloudTrail(in *Input, out *Output) error {
	p := &ctParser{}
	js := &jsonStream{r: in.Reader}
	for {
		if _, err := js.peek(); errors.Is(err, io.EOF) {
			return nil
		} else if err != nil {
			return err
		}
		if !js.objectStartsWithKey("Records") {
			return p.lines(in, out)
		}
		if err := p.streamRecords(js, out); err != nil {
			return err
		}
	}
}

// ctParser holds the buffers reused from record to record.
type ctParser struct {
	buf, key, acc, wrap []byte
	relUser, relIP      []string
}

// streamRecords reads one {"Records":[...]} object, record by record.
// Other keys of the object are read past without being kept.
func (p *ctParser) streamRecords(js *jsonStream, out *Output) error {
	return js.items('{', '}', func() error {
		var tooLong bool
		var err error
		p.key, tooLong, err = js.readValue(p.key[:0], 64)
		if err != nil {
			return err
		}
		if err := js.expect(':'); err != nil {
			return err
		}
		if !tooLong && string(p.key) == `"Records"` {
			return p.streamArray(js, out)
		}
		_, _, err = js.readValue(nil, 0)
		return err
	})
}

// streamArray reads the Records array (or null).
func (p *ctParser) streamArray(js *jsonStream, out *Output) error {
	c, err := js.peek()
	if err != nil {
		return unexpectedEOF(err)
	}
	if c == 'n' {
		v, _, err := js.readValue(p.key[:0], 8)
		if err == nil && string(v) != "null" {
			err = &syntaxError{Offset: js.off, Msg: "Records is neither an array nor null"}
		}
		return err
	}
	return js.items('[', ']', func() error {
		var tooLong bool
		var err error
		start := js.off
		p.buf, tooLong, err = js.readValue(p.buf[:0], MaxLineBytes)
		if err != nil {
			return err
		}
		if tooLong {
			return out.Fail(nil, fmt.Errorf("Records element at byte %d is %d bytes, over the %d byte limit", start, js.off-start, MaxLineBytes))
		}
		return p.value(p.buf, out, false)
	})
}

// lines reads one JSON value per line (see the file comment).
func (p *ctParser) lines(in *Input, out *Output) error {
	var st bracketState
	pending := false // p.acc holds the first lines of a multi-line value
	failPending := func(why string) error {
		pending = false
		return out.Fail(p.acc, fmt.Errorf("line %d: %s", in.LineNumber(), why))
	}
	for {
		line, err := in.ReadLine()
		var tooLong *LineTooLongError
		switch {
		case errors.As(err, &tooLong):
			if pending {
				if err := failPending("incomplete JSON value before an over-long line"); err != nil {
					return err
				}
			}
			if err := out.Fail(tooLong.Prefix, tooLong); err != nil {
				return err
			}
			continue
		case errors.Is(err, io.EOF):
			if pending {
				return failPending("input ends inside a JSON value")
			}
			return nil
		case err != nil:
			return err
		}
		if pending && len(line) > 0 && line[0] == '{' {
			// A new top-level record starts: the pending one was cut short.
			if err := failPending("incomplete JSON value"); err != nil {
				return err
			}
		}
		if !pending {
			trimmed := bytes.TrimSpace(line)
			if len(trimmed) == 0 {
				continue // blank lines are not records
			}
			st = bracketState{}
			st.feed(trimmed)
			p.acc = append(p.acc[:0], trimmed...)
			if st.complete() {
				if err := p.value(p.acc, out, true); err != nil {
					return err
				}
				continue
			}
			if len(trimmed) == 1 && (trimmed[0] == '{' || trimmed[0] == '[') {
				pending = true
				continue
			}
			if err := out.Fail(p.acc, fmt.Errorf("line %d: incomplete JSON value", in.LineNumber())); err != nil {
				return err
			}
			continue
		}
		st.feed(line)
		p.acc = append(p.acc, '\n')
		p.acc = append(p.acc, line...)
		if len(p.acc) > MaxLineBytes {
			if err := failPending(fmt.Sprintf("JSON value over %d bytes", MaxLineBytes)); err != nil {
				return err
			}
			continue
		}
		if st.complete() {
			pending = false
			if err := p.value(p.acc, out, true); err != nil {
				return err
			}
		}
	}
}

// bracketState follows strings and bracket depth across lines.
type bracketState struct {
	depth       int
	inStr, esc  bool
	sawBrackets bool
}

func (s *bracketState) feed(b []byte) {
	for _, c := range b {
		if s.inStr {
			switch {
			case s.esc:
				s.esc = false
			case c == '\\':
				s.esc = true
			case c == '"':
				s.inStr = false
			}
			continue
		}
		switch c {
		case '"':
			s.inStr = true
		case '{', '[':
			s.depth++
			s.sawBrackets = true
		case '}', ']':
			s.depth--
		}
	}
}

// complete reports whether the bytes fed so far close every bracket they
// opened (or went below zero: then validation reports the error).
func (s *bracketState) complete() bool { return !s.inStr && s.depth <= 0 }

// value handles one complete JSON value. In line mode (wrappers true) it
// may also be a {"Records":[...]} wrapper, an array of records or a digest.
func (p *ctParser) value(raw []byte, out *Output, wrappers bool) error {
	s := string(raw) // every string of the document points into this copy
	var r ctRecord
	isObject, err := r.read(raw, s)
	switch {
	case err != nil:
		return out.Fail(raw, err)
	case !isObject:
		if root := gjson.Parse(s); wrappers && root.IsArray() {
			return p.elements(root, out)
		}
		return out.Fail(raw, errors.New("a CloudTrail record must be a JSON object"))
	case wrappers && r.records.Exists():
		if !r.records.IsArray() && r.records.Type != gjson.Null {
			return out.Fail(raw, errors.New("Records is neither an array nor null"))
		}
		return p.elements(r.records, out)
	case r.digest:
		out.Skip(skipCloudTrailDigest)
		return nil
	}
	d := out.Doc()
	if err := p.mapTo(&r, d); err != nil {
		return out.Fail(raw, err)
	}
	d.AWS = p.awsObject(raw, s, &r)
	return out.Emit(d)
}

// elements handles each element of an in-memory array as a record.
func (p *ctParser) elements(arr gjson.Result, out *Output) error {
	var err error
	arr.ForEach(func(_, v gjson.Result) bool {
		err = p.value([]byte(v.Raw), out, false)
		return err == nil
	})
	return err
}

// cloudTrailMessage maps one CloudTrail record delivered through CloudWatch
// Logs (the message is the record) onto d and sets d.Type.
func cloudTrailMessage(msg []byte, d *ecs.Document) error {
	s := string(msg)
	var r ctRecord
	isObject, err := r.read(msg, s)
	if err != nil {
		return err
	}
	if !isObject {
		return errors.New("a CloudTrail record must be a JSON object")
	}
	p := &ctParser{}
	d.Type = archive.TypeCloudTrail
	if err := p.mapTo(&r, d); err != nil {
		return err
	}
	d.AWS = p.awsObject(msg, s, &r)
	return nil
}

// ctRecord is what the mapping reads from one CloudTrail record. Strings
// point into the record's string copy; the free-form payloads stay raw.
type ctRecord struct {
	eventTime, eventName, eventSource, eventID, eventType   string
	awsRegion, recipientAccountID, sourceIP, userAgent      string
	errorCode, errorMessage                                 string
	timestamp                                               string // "@timestamp" of records exported by other tools
	readOnly                                                gjson.Result
	userIdentity, responseElements, insightDetails, records gjson.Result
	requestParameters, tlsDetails                           gjson.Result
	digest                                                  bool // a digest file, not a record
	rewrite                                                 bool // a declared field holds another JSON type (see ctFix)
}

// read validates raw (s is the same bytes as a string) and takes the
// fields of the record in the same pass. It reports whether raw is an
// object.
func (r *ctRecord) read(raw []byte, s string) (bool, error) {
	var digestStart, logFiles bool
	isObject, err := scanObject(raw, func(m member) {
		key := s[m.keyStart:m.keyEnd]
		v := rawResult(s[m.valStart:m.valEnd])
		switch key {
		case "eventTime":
			r.eventTime = v.Str
		case "eventName":
			r.eventName = v.Str
		case "eventSource":
			r.eventSource = v.Str
		case "eventID":
			r.eventID = v.Str
		case "eventType":
			r.eventType = v.Str
		case "awsRegion":
			r.awsRegion = v.Str
		case "recipientAccountId":
			r.recipientAccountID = v.Str
		case "sourceIPAddress":
			r.sourceIP = v.Str
		case "userAgent":
			r.userAgent = v.Str
		case "errorCode":
			r.errorCode = v.Str
		case "errorMessage":
			r.errorMessage = v.Str
		case "@timestamp":
			r.timestamp = v.Str
		case "requestParameters":
			r.requestParameters = v
		case "tlsDetails":
			r.tlsDetails = v
		case "readOnly":
			r.readOnly = v
		case "userIdentity":
			r.userIdentity = v
		case "responseElements":
			r.responseElements = v
		case "insightDetails":
			r.insightDetails = v
		case "Records":
			r.records = v
		case "digestPublicKeyFingerprint":
			r.digest = true
		case "digestStartTime":
			digestStart = true
		case "logFiles":
			logFiles = true
		}
		if !r.rewrite {
			_, r.rewrite = ctFix(key, v)
		}
	})
	r.digest = r.digest || (digestStart && logFiles)
	return isObject, err
}

// rawResult wraps a validated JSON value for gjson without rescanning
// objects, arrays and strings without escapes.
func rawResult(v string) gjson.Result {
	switch v[0] {
	case '{', '[':
		return gjson.Result{Type: gjson.JSON, Raw: v}
	case '"':
		if strings.IndexByte(v, '\\') < 0 {
			return gjson.Result{Type: gjson.String, Raw: v, Str: v[1 : len(v)-1]}
		}
	case 't':
		return gjson.Result{Type: gjson.True, Raw: v}
	case 'f':
		return gjson.Result{Type: gjson.False, Raw: v}
	case 'n':
		return gjson.Result{Type: gjson.Null, Raw: v}
	}
	return gjson.Parse(v)
}

// ctTopLevel is the JSON shape the schema declares for each top-level key
// of aws.cloudtrail: an ecs scalar type, or FlatObject for every key that
// holds an object (flat_object fields and objects with declared sub-fields).
var ctTopLevel = func() map[string]ecs.FieldType {
	m := map[string]ecs.FieldType{}
	const prefix = "aws." + archive.TypeCloudTrail + "."
	for _, f := range ecs.FieldsFor(archive.TypeCloudTrail) {
		path, ok := strings.CutPrefix(f.Path, prefix)
		if !ok {
			continue
		}
		if key, _, nested := strings.Cut(path, "."); nested || f.Type == ecs.FlatObject {
			m[key] = ecs.FlatObject
		} else {
			m[key] = f.Type
		}
	}
	return m
}()

// ctFix returns the replacement of a top-level value whose JSON type is not
// the declared one, so every document indexes under one mapping:
//   - an object field (flat_object, userIdentity, resources ...) holding
//     anything but an object, an array of objects or null becomes
//     {"_value": <value>};
//   - a boolean field holding "true" or "false" (any case) becomes the boolean;
//   - a keyword or date field holding a number, boolean, object or array
//     becomes the JSON text of the value as a string.
//
// Other values are kept as they are.
func ctFix(key string, v gjson.Result) (string, bool) {
	if v.Type == gjson.Null {
		return "", false
	}
	want := ctShape(key)
	if want == "" {
		if v.Type == gjson.String {
			return "", false // the common case: no map lookup
		}
		if want = ctTopLevel[key]; want == "" {
			return "", false // not declared
		}
	}
	switch want {
	case ecs.FlatObject:
		if v.IsObject() || (v.IsArray() && allObjects(v)) {
			return "", false
		}
		return `{"_value":` + v.Raw + `}`, true
	case ecs.Boolean:
		if v.Type == gjson.String {
			switch strings.ToLower(v.Str) {
			case "true":
				return "true", true
			case "false":
				return "false", true
			}
		}
	case ecs.Keyword, ecs.Date:
		if v.Type != gjson.String {
			return string(ecsQuote(v.Raw)), true
		}
	}
	return "", false
}

// ctShape is the declared shape of the top-level keys that are not
// keyword or date (the same as ctTopLevel; TestCloudTrailShapeMatchesSchema
// keeps them in step), as a switch: it runs for every key of every record.
func ctShape(key string) ecs.FieldType {
	switch key {
	case "readOnly", "managementEvent":
		return ecs.Boolean
	case "userIdentity", "resources", "tlsDetails", "addendum", "requestParameters", "responseElements",
		"additionalEventData", "serviceEventDetails", "insightDetails", "edgeDeviceDetails":
		return ecs.FlatObject
	}
	return ""
}

func allObjects(arr gjson.Result) bool {
	ok := true
	arr.ForEach(func(_, e gjson.Result) bool {
		ok = e.IsObject()
		return ok
	})
	return ok
}

// ecsQuote returns s as a JSON string.
func ecsQuote(s string) []byte {
	b, _ := json.Marshal(s)
	return b
}

// Event categories and types, shared by every document (never modified).
var (
	ctCatAuthentication = []string{"authentication"}
	ctCatIAM            = []string{"iam"}
	ctCatConfiguration  = []string{"configuration"}
	ctTypeInfo          = []string{"info"}
	ctTypeStart         = []string{"start"}
	ctTypeCreation      = []string{"creation"}
	ctTypeDeletion      = []string{"deletion"}
	ctTypeChange        = []string{"change"}
	ctTypeAccess        = []string{"access"}
)

// mapTo fills the ECS fields of d from r. A record without eventTime is
// left without timestamp (Emit turns it into an error document); an
// unparseable eventTime is an error.
func (p *ctParser) mapTo(r *ctRecord, d *ecs.Document) error {
	switch {
	case r.eventTime != "":
		t, err := parseEventTime(r.eventTime)
		if err != nil {
			return err
		}
		d.Timestamp = t
	case r.timestamp != "":
		// Records re-exported by other tools (an ECS pipeline, a SIEM
		// export) carry their own time as @timestamp instead.
		t, err := parseEventTime(r.timestamp)
		if err != nil {
			return fmt.Errorf("@timestamp (no eventTime): %w", err)
		}
		d.Timestamp = t
	}
	if r.eventID != "" {
		d.ID = r.eventID
	}
	d.Event.ID = r.eventID
	d.Event.Provider = r.eventSource
	d.Event.Action = r.eventName
	if r.eventType == "AwsCloudTrailInsight" {
		d.Event.Action = r.insightDetails.Get("insightType").Str
		d.Event.Type = ctTypeInfo
	} else {
		d.Event.Category, d.Event.Type = ctCategorize(r.eventSource, r.eventName, r.readOnly)
		d.Event.Outcome = ctOutcome(r)
	}
	if r.awsRegion != "" {
		d.Cloud.Region = r.awsRegion
	}

	var uiType, userName, accountID, issuer string
	if r.userIdentity.IsObject() {
		r.userIdentity.ForEach(func(k, v gjson.Result) bool {
			switch k.Str {
			case "type":
				uiType = v.Str
			case "userName":
				userName = v.Str
			case "accountId":
				accountID = v.Str
			case "principalId":
				d.User.ID = v.Str
			case "sessionContext":
				issuer = v.Get("sessionIssuer.userName").Str
			}
			return true
		})
	}
	switch {
	case r.recipientAccountID != "":
		d.Cloud.AccountID = r.recipientAccountID
	case accountID != "" && d.Cloud.AccountID == "":
		// The caller's account stands in only when the key names none: in
		// a cross-account call it is not the account the record belongs to.
		d.Cloud.AccountID = accountID
	}
	switch uiType {
	case "AssumedRole":
		d.User.Name = issuer
	case "Root":
		d.User.Name = userName
		if d.User.Name == "" {
			d.User.Name = "root"
		}
	case "FederatedUser":
		_, d.User.Name, _ = strings.Cut(d.User.ID, ":")
	default:
		d.User.Name = userName
	}
	p.relUser = append(p.relUser[:0], d.User.Name, userName, issuer)
	if r.requestParameters.IsObject() && r.eventSource == "iam.amazonaws.com" {
		// IAM user and group operations name the user and group they act
		// on (CreateUser, AddUserToGroup, CreateAccessKey ...).
		if target := r.requestParameters.Get("userName"); target.Type == gjson.String && target.Str != "" {
			d.User.TargetName = target.Str
			p.relUser = append(p.relUser, target.Str)
		}
		if group := r.requestParameters.Get("groupName"); group.Type == gjson.String {
			d.Group.Name = group.Str
		}
	}
	d.Related.User = p.relUser
	if r.errorCode != "" {
		d.Error.Code = r.errorCode
		d.Error.Message = r.errorMessage
	}
	if r.tlsDetails.IsObject() {
		mapTLSDetails(r.tlsDetails, &d.TLS)
	}

	if r.sourceIP != "" {
		d.Source.Address = r.sourceIP
		if ip, err := netip.ParseAddr(r.sourceIP); err == nil {
			d.Source.IP = ip.String()
			p.relIP = append(p.relIP[:0], d.Source.IP)
			d.Related.IP = p.relIP
		} else if strings.Contains(r.sourceIP, ".") && !strings.Contains(r.sourceIP, " ") {
			d.Source.Domain = r.sourceIP // a service principal such as ec2.amazonaws.com
		}
	}
	d.UserAgent = r.userAgent
	return nil
}

// mapTLSDetails maps CloudTrail's tlsDetails
// (https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference-record-contents.html):
// tlsVersion "TLSv1.2" → tls.version_protocol "tls", tls.version "1.2" (the
// ECS forms); cipherSuite → tls.cipher; clientProvidedHostHeader →
// tls.client.server_name.
func mapTLSDetails(v gjson.Result, t *ecs.TLS) {
	v.ForEach(func(k, v gjson.Result) bool {
		if v.Type != gjson.String {
			return true
		}
		switch k.Str {
		case "tlsVersion":
			if ver, ok := strings.CutPrefix(v.Str, "TLSv"); ok {
				t.VersionProtocol, t.Version = "tls", ver
			} else {
				t.Version = v.Str
			}
		case "cipherSuite":
			t.Cipher = v.Str
		case "clientProvidedHostHeader":
			t.ServerName = v.Str
		}
		return true
	})
}

// parseEventTime reads eventTime: RFC 3339 as CloudTrail writes it, or
// "2006-01-02 15:04:05[.fraction][zone]" (a space for the T; UTC when no
// zone is given) as tools that re-serialize records write it.
func parseEventTime(s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil && len(s) >= 19 && s[10] == ' ' {
		alt := s[:10] + "T" + s[11:]
		if t, err = time.Parse(time.RFC3339Nano, alt); err != nil {
			t, err = time.Parse(time.RFC3339Nano, alt+"Z")
		}
	}
	if err != nil {
		return time.Time{}, fmt.Errorf("eventTime %q is not RFC 3339", s)
	}
	return t.UTC(), nil
}

// ctOutcome: failure when errorCode is present; sign-in events report
// Success/Failure in responseElements.<eventName>; else success.
func ctOutcome(r *ctRecord) string {
	if r.errorCode != "" {
		return "failure"
	}
	if r.eventSource == "signin.amazonaws.com" && r.responseElements.IsObject() {
		switch r.responseElements.Get(gjsonEscape(r.eventName)).Str {
		case "Failure":
			return "failure"
		case "Success":
			return "success"
		}
	}
	return "success"
}

// gjsonEscape escapes the characters gjson treats as path syntax.
func gjsonEscape(s string) string {
	if !strings.ContainsAny(s, `.*?|#@\!=<>%`) {
		return s
	}
	var b strings.Builder
	for _, c := range s {
		if strings.ContainsRune(`.*?|#@\!=<>%`, c) {
			b.WriteByte('\\')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// ctVerbs maps the leading verb of an API name to an ECS event.type.
var ctVerbs = []struct {
	prefix string
	typ    []string
}{
	{"Create", ctTypeCreation}, {"Run", ctTypeCreation}, {"Allocate", ctTypeCreation}, {"Import", ctTypeCreation},
	{"Delete", ctTypeDeletion}, {"Remove", ctTypeDeletion}, {"Terminate", ctTypeDeletion},
	{"Deregister", ctTypeDeletion}, {"Release", ctTypeDeletion},
	{"Get", ctTypeAccess}, {"List", ctTypeAccess}, {"Describe", ctTypeAccess}, {"Head", ctTypeAccess},
	{"Lookup", ctTypeAccess}, {"Download", ctTypeAccess}, {"Search", ctTypeAccess}, {"Query", ctTypeAccess},
	{"Scan", ctTypeAccess}, {"Select", ctTypeAccess}, {"BatchGet", ctTypeAccess},
}

// ctCategorize gives event.category and event.type: sign-in and STS
// session creation are authentication; IAM calls are iam; everything else is
// configuration. The type follows the API verb (Create → creation, Delete →
// deletion, Get/List/Describe → access, info for IAM), else readOnly.
func ctCategorize(source, name string, readOnly gjson.Result) (cat, typ []string) {
	switch source {
	case "signin.amazonaws.com":
		return ctCatAuthentication, ctTypeInfo
	case "sts.amazonaws.com":
		if strings.HasPrefix(name, "AssumeRole") || name == "GetSessionToken" || name == "GetFederationToken" {
			return ctCatAuthentication, ctTypeStart
		}
	}
	cat = ctCatConfiguration
	if source == "iam.amazonaws.com" {
		cat = ctCatIAM
	}
	typ = ctTypeChange
	if readOnly.Type == gjson.True {
		typ = ctTypeAccess
	}
	for _, v := range ctVerbs {
		if strings.HasPrefix(name, v.prefix) {
			typ = v.typ
			break
		}
	}
	if cat[0] == "iam" && typ[0] == "access" {
		typ = ctTypeInfo // ECS allows no "access" type for iam
	}
	return cat, typ
}

// awsObject is the aws.cloudtrail object: the record as is, or, when a
// top-level value has another JSON type than declared, the record with that
// value replaced (see ctFix).
func (p *ctParser) awsObject(raw []byte, s string, r *ctRecord) []byte {
	if !r.rewrite {
		return raw
	}
	b := append(p.wrap[:0], '{')
	gjson.Parse(s).ForEach(func(k, v gjson.Result) bool {
		if len(b) > 1 {
			b = append(b, ',')
		}
		b = append(b, k.Raw...)
		b = append(b, ':')
		if fixed, ok := ctFix(k.Str, v); ok {
			b = append(b, fixed...)
		} else {
			b = append(b, v.Raw...)
		}
		return true
	})
	b = append(b, '}')
	p.wrap = b
	return b
}
