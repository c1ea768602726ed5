package detect

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/tidwall/gjson"

	"github.com/orgsiem/orgsiem/internal/ecs"
)

// Field mapping and field access.
//
// A rule names fields the way its log source does. For service cloudtrail
// that is the raw CloudTrail path (eventName, userIdentity.type,
// requestParameters.bucketName); it maps to the document path
// aws.cloudtrail.<raw>, except for the aliases below whose ECS field holds
// the very same value and is faster to read and to query. A cloudtrail rule
// may also name an ECS document path directly (source.ip, user.name) when
// its first segment is not a CloudTrail record field. Rules of every other
// service use document paths.
//
// Each document path compiles once into an accessor: typed ECS fields read
// the ecs.Document struct; aws.<type>.* paths walk the original record
// (d.AWS) with gjson, where an array at any step means "any element".

// cloudTrailAliases maps raw CloudTrail fields to the typed ECS field the
// CloudTrail parser fills with the same value.
var cloudTrailAliases = map[string]string{
	"eventName":          "event.action",
	"eventSource":        "event.provider",
	"awsRegion":          "cloud.region",
	"recipientAccountId": "cloud.account.id",
	"eventID":            "event.id",
}

// errUnknownField marks a field name the log source does not have.
var errUnknownField = errors.New("unknown field")

// field is one resolved rule field.
type field struct {
	raw   string        // as written in the rule
	path  string        // document path
	typ   ecs.FieldType // declared type of path
	logTy string        // log type whose aws.<type> object holds it, or ""
	get   accessor
	// has reports presence for |exists on fields of the original record,
	// where a member may be present with a null value; nil: a field is
	// present when get yields a value.
	has func(e *evalDoc) bool
}

// accessor appends the values of one field of the document to buf. Absent
// fields, JSON null and empty arrays append nothing. Values are valid only
// while the document is.
type accessor func(e *evalDoc, buf []gjson.Result) []gjson.Result

// resolveField maps a rule field of the given service to a document path
// and compiles its accessor. It fails for paths the schema does not declare.
func resolveField(service, raw string) (*field, error) {
	if raw == "" {
		return nil, fmt.Errorf("empty field name")
	}
	if strings.HasPrefix(raw, ".") || strings.HasSuffix(raw, ".") || strings.Contains(raw, "..") {
		return nil, fmt.Errorf("malformed field name %q", raw)
	}
	path := raw
	if service == serviceCloudTrail {
		if a, ok := cloudTrailAliases[raw]; ok {
			path = a
		} else if cloudTrailRoots[firstSegment(raw)] {
			path = "aws.cloudtrail." + raw
		} else if _, ok := typedFields[raw]; !ok {
			// Neither a record field nor an ECS field: report it under the
			// raw name the author meant.
			path = "aws.cloudtrail." + raw
		}
	}
	typ, ok := ecs.FieldTypeOf(path)
	if !ok {
		if service == serviceCloudTrail {
			return nil, fmt.Errorf("%w %q: CloudTrail records have no such field (document path %s) and it is not an ECS field", errUnknownField, raw, path)
		}
		return nil, fmt.Errorf("%w %q: not declared in the %s document schema", errUnknownField, raw, service)
	}
	f := &field{raw: raw, path: path, typ: typ}
	if t, ok := typedFields[path]; ok {
		f.get = t
		return f, nil
	}
	rest, ok := strings.CutPrefix(path, "aws.")
	if !ok {
		return nil, fmt.Errorf("field %q (%s) is declared but has no accessor", raw, path)
	}
	logTy, sub, ok := strings.Cut(rest, ".")
	if !ok {
		return nil, fmt.Errorf("field %q names the whole aws.%s object", raw, rest)
	}
	f.logTy = logTy
	f.get = recordAccessor(logTy, strings.Split(sub, "."))
	f.has = recordPresence(logTy, strings.Split(sub, "."))
	return f, nil
}

func firstSegment(p string) string {
	if i := strings.IndexByte(p, '.'); i >= 0 {
		return p[:i]
	}
	return p
}

// cloudTrailRoots are the first segments of the declared aws.cloudtrail.*
// paths: the top-level fields of a CloudTrail record.
var cloudTrailRoots = func() map[string]bool {
	m := map[string]bool{}
	for _, f := range ecs.FieldsFor(serviceCloudTrail) {
		if rest, ok := strings.CutPrefix(f.Path, "aws."+serviceCloudTrail+"."); ok {
			m[firstSegment(rest)] = true
		}
	}
	return m
}()

// escapeGJSON escapes the characters gjson gives meaning to in a path
// component, so a record key is looked up literally.
func escapeGJSON(k string) string {
	if !strings.ContainsAny(k, `\.*?|#@!=<>%"`) {
		return k
	}
	var b strings.Builder
	for _, c := range k {
		if strings.ContainsRune(`\.*?|#@!=<>%"`, c) {
			b.WriteByte('\\')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// Typed ECS fields: one accessor per declared path. The table must cover
// every common field of ecs.Fields(); a test checks it.

func strField(f func(d *ecs.Document) string) accessor {
	return func(e *evalDoc, buf []gjson.Result) []gjson.Result {
		if s := f(e.d); s != "" {
			buf = append(buf, gjson.Result{Type: gjson.String, Str: s})
		}
		return buf
	}
}

func strsField(f func(d *ecs.Document) []string) accessor {
	return func(e *evalDoc, buf []gjson.Result) []gjson.Result {
		for _, s := range f(e.d) {
			if s != "" {
				buf = append(buf, gjson.Result{Type: gjson.String, Str: s})
			}
		}
		return buf
	}
}

// intField treats 0 as absent, as the JSON writer does.
func intField(f func(d *ecs.Document) int64) accessor {
	return func(e *evalDoc, buf []gjson.Result) []gjson.Result {
		if n := f(e.d); n != 0 {
			buf = append(buf, gjson.Result{Type: gjson.Number, Num: float64(n)})
		}
		return buf
	}
}

// timeField yields epoch milliseconds; rules may only test it with exists.
func timeField(f func(d *ecs.Document) time.Time) accessor {
	return func(e *evalDoc, buf []gjson.Result) []gjson.Result {
		if t := f(e.d); !t.IsZero() {
			buf = append(buf, gjson.Result{Type: gjson.Number, Num: float64(t.UnixMilli())})
		}
		return buf
	}
}

func endpointFields(side string, ep func(d *ecs.Document) *ecs.Endpoint) map[string]accessor {
	geo := func(f func(g *ecs.Geo) string) accessor {
		return strField(func(d *ecs.Document) string {
			if g := ep(d).Geo; g != nil {
				return f(g)
			}
			return ""
		})
	}
	return map[string]accessor{
		side + ".ip":                   strField(func(d *ecs.Document) string { return ep(d).IP }),
		side + ".port":                 intField(func(d *ecs.Document) int64 { return ep(d).Port }),
		side + ".address":              strField(func(d *ecs.Document) string { return ep(d).Address }),
		side + ".domain":               strField(func(d *ecs.Document) string { return ep(d).Domain }),
		side + ".bytes":                intField(func(d *ecs.Document) int64 { return ep(d).Bytes }),
		side + ".packets":              intField(func(d *ecs.Document) int64 { return ep(d).Packets }),
		side + ".geo.country_iso_code": geo(func(g *ecs.Geo) string { return g.CountryISOCode }),
		side + ".geo.country_name":     geo(func(g *ecs.Geo) string { return g.CountryName }),
		side + ".geo.city_name":        geo(func(g *ecs.Geo) string { return g.CityName }),
		side + ".geo.location": func(e *evalDoc, buf []gjson.Result) []gjson.Result {
			if g := ep(e.d).Geo; g != nil && (g.Lat != 0 || g.Lon != 0) {
				buf = append(buf, gjson.Result{Type: gjson.JSON, Raw: "{}"})
			}
			return buf
		},
		side + ".as.number": intField(func(d *ecs.Document) int64 {
			if a := ep(d).AS; a != nil {
				return a.Number
			}
			return 0
		}),
		side + ".as.organization.name": strField(func(d *ecs.Document) string {
			if a := ep(d).AS; a != nil {
				return a.Organization
			}
			return ""
		}),
	}
}

var typedFields = func() map[string]accessor {
	m := map[string]accessor{
		"@timestamp":  timeField(func(d *ecs.Document) time.Time { return d.Timestamp }),
		"message":     strField(func(d *ecs.Document) string { return d.Message }),
		"ecs.version": strField(func(*ecs.Document) string { return ecs.Version }),
		"tags":        strsField(func(d *ecs.Document) []string { return d.Tags }),

		"event.kind":     strField(func(d *ecs.Document) string { return d.Event.Kind }),
		"event.category": strsField(func(d *ecs.Document) []string { return d.Event.Category }),
		"event.type":     strsField(func(d *ecs.Document) []string { return d.Event.Type }),
		"event.action":   strField(func(d *ecs.Document) string { return d.Event.Action }),
		"event.outcome":  strField(func(d *ecs.Document) string { return d.Event.Outcome }),
		"event.dataset":  strField(func(d *ecs.Document) string { return d.Event.Dataset }),
		"event.module":   strField(func(d *ecs.Document) string { return d.Event.Module }),
		"event.provider": strField(func(d *ecs.Document) string { return d.Event.Provider }),
		"event.code":     strField(func(d *ecs.Document) string { return d.Event.Code }),
		"event.id":       strField(func(d *ecs.Document) string { return d.Event.ID }),
		"event.created":  timeField(func(d *ecs.Document) time.Time { return d.Event.Created }),
		// Set by the loader only (scan leaves it zero): no rule should match on it.
		"event.ingested": timeField(func(d *ecs.Document) time.Time { return d.Event.Ingested }),
		"event.start":    timeField(func(d *ecs.Document) time.Time { return d.Event.Start }),
		"event.end":      timeField(func(d *ecs.Document) time.Time { return d.Event.End }),
		"event.duration": intField(func(d *ecs.Document) int64 { return d.Event.Duration }),
		"event.severity": intField(func(d *ecs.Document) int64 { return d.Event.Severity }),
		"event.original": strField(func(d *ecs.Document) string { return d.Event.Original }),

		"cloud.provider":     strField(func(d *ecs.Document) string { return d.Cloud.Provider }),
		"cloud.account.id":   strField(func(d *ecs.Document) string { return d.Cloud.AccountID }),
		"cloud.account.name": strField(func(d *ecs.Document) string { return d.Cloud.AccountName }),
		"cloud.region":       strField(func(d *ecs.Document) string { return d.Cloud.Region }),
		"cloud.service.name": strField(func(d *ecs.Document) string { return d.Cloud.ServiceName }),
		"cloud.instance.id":  strField(func(d *ecs.Document) string { return d.Cloud.InstanceID }),

		"user.name":           strField(func(d *ecs.Document) string { return d.User.Name }),
		"user.id":             strField(func(d *ecs.Document) string { return d.User.ID }),
		"user.domain":         strField(func(d *ecs.Document) string { return d.User.Domain }),
		"user.roles":          strsField(func(d *ecs.Document) []string { return d.User.Roles }),
		"user.target.name":    strField(func(d *ecs.Document) string { return d.User.TargetName }),
		"user.target.id":      strField(func(d *ecs.Document) string { return d.User.TargetID }),
		"group.name":          strField(func(d *ecs.Document) string { return d.Group.Name }),
		"group.id":            strField(func(d *ecs.Document) string { return d.Group.ID }),
		"related.hosts":       strsField(func(d *ecs.Document) []string { return d.Related.Hosts }),
		"user_agent.original": strField(func(d *ecs.Document) string { return d.UserAgent }),
		"related.ip":          strsField(func(d *ecs.Document) []string { return d.Related.IP }),
		"related.user":        strsField(func(d *ecs.Document) []string { return d.Related.User }),

		"network.transport":    strField(func(d *ecs.Document) string { return d.Network.Transport }),
		"network.protocol":     strField(func(d *ecs.Document) string { return d.Network.Protocol }),
		"network.type":         strField(func(d *ecs.Document) string { return d.Network.Type }),
		"network.direction":    strField(func(d *ecs.Document) string { return d.Network.Direction }),
		"network.iana_number":  strField(func(d *ecs.Document) string { return d.Network.IANANumber }),
		"network.forwarded_ip": strField(func(d *ecs.Document) string { return d.Network.ForwardedIP }),
		"network.bytes":        intField(func(d *ecs.Document) int64 { return d.Network.Bytes }),
		"network.packets":      intField(func(d *ecs.Document) int64 { return d.Network.Packets }),

		"http.request.method":       strField(func(d *ecs.Document) string { return d.HTTP.Method }),
		"http.request.bytes":        intField(func(d *ecs.Document) int64 { return d.HTTP.RequestBytes }),
		"http.request.referrer":     strField(func(d *ecs.Document) string { return d.HTTP.Referrer }),
		"http.response.status_code": intField(func(d *ecs.Document) int64 { return d.HTTP.StatusCode }),
		"http.response.bytes":       intField(func(d *ecs.Document) int64 { return d.HTTP.ResponseBytes }),
		"http.version":              strField(func(d *ecs.Document) string { return d.HTTP.Version }),

		"url.original": strField(func(d *ecs.Document) string { return d.URL.Original }),
		"url.domain":   strField(func(d *ecs.Document) string { return d.URL.Domain }),
		"url.path":     strField(func(d *ecs.Document) string { return d.URL.Path }),
		"url.query":    strField(func(d *ecs.Document) string { return d.URL.Query }),
		"url.scheme":   strField(func(d *ecs.Document) string { return d.URL.Scheme }),
		"url.port":     intField(func(d *ecs.Document) int64 { return d.URL.Port }),

		"dns.question.name":  strField(func(d *ecs.Document) string { return d.DNS.QuestionName }),
		"dns.question.type":  strField(func(d *ecs.Document) string { return d.DNS.QuestionType }),
		"dns.question.class": strField(func(d *ecs.Document) string { return d.DNS.QuestionClass }),
		"dns.response_code":  strField(func(d *ecs.Document) string { return d.DNS.ResponseCode }),
		"dns.answers.data":   strsField(func(d *ecs.Document) []string { return answerParts(d, func(a ecs.DNSAnswer) string { return a.Data }) }),
		"dns.answers.type":   strsField(func(d *ecs.Document) []string { return answerParts(d, func(a ecs.DNSAnswer) string { return a.Type }) }),
		"dns.answers.class":  strsField(func(d *ecs.Document) []string { return answerParts(d, func(a ecs.DNSAnswer) string { return a.Class }) }),

		"rule.id":          strField(func(d *ecs.Document) string { return d.Rule.ID }),
		"rule.name":        strField(func(d *ecs.Document) string { return d.Rule.Name }),
		"rule.ruleset":     strField(func(d *ecs.Document) string { return d.Rule.Ruleset }),
		"rule.category":    strField(func(d *ecs.Document) string { return d.Rule.Category }),
		"rule.description": strField(func(d *ecs.Document) string { return d.Rule.Description }),

		"observer.vendor":  strField(func(d *ecs.Document) string { return d.Observer.Vendor }),
		"observer.product": strField(func(d *ecs.Document) string { return d.Observer.Product }),
		"observer.type":    strField(func(d *ecs.Document) string { return d.Observer.Type }),
		"observer.name":    strField(func(d *ecs.Document) string { return d.Observer.Name }),
		"observer.id":      strField(func(d *ecs.Document) string { return d.Observer.ID }),

		"host.name":     strField(func(d *ecs.Document) string { return d.Host.Name }),
		"host.hostname": strField(func(d *ecs.Document) string { return d.Host.Hostname }),
		"process.name":  strField(func(d *ecs.Document) string { return d.Process.Name }),
		"process.pid":   intField(func(d *ecs.Document) int64 { return d.Process.PID }),

		"tls.version":            strField(func(d *ecs.Document) string { return d.TLS.Version }),
		"tls.version_protocol":   strField(func(d *ecs.Document) string { return d.TLS.VersionProtocol }),
		"tls.cipher":             strField(func(d *ecs.Document) string { return d.TLS.Cipher }),
		"tls.client.server_name": strField(func(d *ecs.Document) string { return d.TLS.ServerName }),

		"log.file.path": strField(func(d *ecs.Document) string { return d.Log.FilePath }),
		"log.level":     strField(func(d *ecs.Document) string { return d.Log.Level }),
		// log.offset is always written, 0 included.
		"log.offset": func(e *evalDoc, buf []gjson.Result) []gjson.Result {
			return append(buf, gjson.Result{Type: gjson.Number, Num: float64(e.d.Position)})
		},

		"error.message": strField(func(d *ecs.Document) string { return d.Error.Message }),
		"error.type":    strField(func(d *ecs.Document) string { return d.Error.Type }),
		"error.code":    strField(func(d *ecs.Document) string { return d.Error.Code }),

		"orgsiem.claimed_account": strField(func(d *ecs.Document) string { return d.Orgsiem.ClaimedAccount }),
		"orgsiem.account.ou":      strField(func(d *ecs.Document) string { return d.Orgsiem.AccountOU }),

		"aws.cloudwatchlogs.id":                   strField(func(d *ecs.Document) string { return d.CloudWatch.ID }),
		"aws.cloudwatchlogs.log_group":            strField(func(d *ecs.Document) string { return d.CloudWatch.LogGroup }),
		"aws.cloudwatchlogs.log_stream":           strField(func(d *ecs.Document) string { return d.CloudWatch.LogStream }),
		"aws.cloudwatchlogs.owner":                strField(func(d *ecs.Document) string { return d.CloudWatch.Owner }),
		"aws.cloudwatchlogs.subscription_filters": strsField(func(d *ecs.Document) []string { return d.CloudWatch.SubscriptionFilters }),
	}
	for k, v := range endpointFields("source", func(d *ecs.Document) *ecs.Endpoint { return &d.Source }) {
		m[k] = v
	}
	for k, v := range endpointFields("destination", func(d *ecs.Document) *ecs.Endpoint { return &d.Destination }) {
		m[k] = v
	}
	return m
}()

// answerParts returns one part of each dns.answers element (data, type or
// class), as the flattened dns.answers.<part> field lists them.
func answerParts(d *ecs.Document, part func(ecs.DNSAnswer) string) []string {
	if len(d.DNS.Answers) == 0 {
		return nil
	}
	out := make([]string, len(d.DNS.Answers))
	for i, a := range d.DNS.Answers {
		out[i] = part(a)
	}
	return out
}
