package logs

// Amazon S3 server access logs.
//
// Format: https://docs.aws.amazon.com/AmazonS3/latest/userguide/LogFormat.html
//
// One request per line, space-separated fields in a fixed order; the time
// is bracketed ("[06/Feb/2019:00:00:38 +0000]", strftime [%d/%b/%Y:%H:%M:%S
// %z]); request URI, referrer and user agent are in double quotes; "-"
// marks an absent value. AWS appends new fields at the end and tells parsers
// to accept trailing fields they do not understand: fields after
// acl_required are ignored. A line must have at least the fields up to
// version_id.
//
// aws.s3access keeps every field under its documented name in snake_case
// (bucket_owner, bucket, time, remote_ip, requester, request_id, operation,
// key, request_uri, http_status, error_code, bytes_sent, object_size,
// total_time, turn_around_time, referrer, user_agent, version_id, host_id,
// signature_version, cipher_suite, authentication_type, host_header,
// tls_version, access_point_arn, acl_required), as logged without the
// quotes. ECS: @timestamp from time, source.ip (remote_ip), user.id (the
// requester as logged: an IAM or STS ARN, or a canonical user ID) and
// user.name (its short name, as CloudTrail writes it; see s3Requester),
// event.duration (total_time), cloud.region (from the host header),
// event.action (operation), event.id (request_id), event.outcome from the
// HTTP status, http.* and url.* from the request URI, url.domain (host
// header), user_agent.original, tls.*.

import (
	"fmt"
	"strings"
	"time"

	"github.com/orgsiem/orgsiem/internal/archive"
	"github.com/orgsiem/orgsiem/internal/ecs"
)

var s3AccessKeys = []string{"bucket_owner", "bucket", "time", "remote_ip", "requester",
	"request_id", "operation", "key", "request_uri", "http_status", "error_code",
	"bytes_sent", "object_size", "total_time", "turn_around_time", "referrer",
	"user_agent", "version_id", "host_id", "signature_version", "cipher_suite",
	"authentication_type", "host_header", "tls_version", "access_point_arn", "acl_required"}

// s3AccessMinFields is the field count up to version_id.
const s3AccessMinFields = 18

type s3AccessParser struct {
	fields  []string
	obj     textObject
	related [1]string
	users   [1]string
}

func parseS3Access(in *Input, out *Output) error {
	p := &s3AccessParser{fields: make([]string, 0, 40)}
	return scanLines(in, out, func(line []byte, lineNo int64) error {
		d := out.Doc()
		if err := p.record(d, string(line)); err != nil {
			return out.Fail(line, fmt.Errorf("line %d: %w", lineNo, err))
		}
		return out.Emit(d)
	})
}

func (p *s3AccessParser) record(d *ecs.Document, s string) error {
	var err error
	if p.fields, err = splitSpaced(s, p.fields[:0]); err != nil {
		return err
	}
	f := p.fields
	if len(f) < s3AccessMinFields {
		return fmt.Errorf("%d fields, want at least %d", len(f), s3AccessMinFields)
	}
	if len(f) > len(s3AccessKeys) {
		f = f[:len(s3AccessKeys)]
	}
	t, ok := parseS3Time(f[2])
	if !ok {
		return &fieldError{Field: "time", Value: f[2], Want: "a [dd/Mon/yyyy:hh:mm:ss +zzzz] time"}
	}
	d.Timestamp = t
	if d.HTTP.StatusCode, err = optInt("http_status", f[9]); err != nil {
		return err
	}
	if d.HTTP.ResponseBytes, err = optInt("bytes_sent", f[11]); err != nil {
		return err
	}
	for _, i := range [...]int{12, 13, 14} {
		v, err := optInt(s3AccessKeys[i], f[i])
		if err != nil {
			return err
		}
		if i == 13 && v > 0 {
			// total_time: milliseconds the request was in flight.
			d.Event.Duration = v * int64(time.Millisecond)
		}
	}
	p.obj.reset()
	for i, v := range f {
		if i == 2 && len(v) > 2 {
			v = v[1 : len(v)-1] // without the brackets
		}
		p.obj.str(s3AccessKeys[i], unquote(v))
	}
	d.AWS = p.obj.bytes()

	d.Cloud.ServiceName = "s3"
	d.Event.Category, d.Event.Type = categoryWeb, typeAccess
	d.Event.Action = present(f[6])
	d.Event.ID = present(f[5])
	d.Event.Outcome = httpOutcome(d.HTTP.StatusCode)
	if ip := setEndpoint(&d.Source, f[3]); ip != "" {
		p.related[0] = ip
		d.Related.IP = p.related[:]
	}
	if u := present(f[4]); u != "" {
		d.User.ID, d.User.Name = s3Requester(u)
		if d.User.Name != "" {
			p.users[0] = d.User.Name
			d.Related.User = p.users[:]
		}
	}
	setRequestLine(d, unquote(f[8]))
	d.HTTP.Referrer = present(unquote(f[15]))
	d.UserAgent = present(unquote(f[16]))
	if len(f) > 23 {
		d.TLS.Cipher = present(f[20])
		d.URL.Domain = present(f[22])
		d.TLS.Version = tlsVersion(f[23])
		if r := s3HostRegion(d.URL.Domain); r != "" {
			d.Cloud.Region = r
		}
	}
	if d.HTTP.Method != "" {
		d.Network.Protocol = "http"
	}
	return nil
}

// s3Requester splits the requester field into user.id (the whole value:
// an IAM or STS ARN, or a canonical user ID) and user.name, the short name
// CloudTrail puts in user.name for the same principal, so the two sources
// join on it: the user name of arn:aws:iam::<account>:user/<path/>name, the
// role of arn:aws:sts::<account>:assumed-role/<role>/<session> (CloudTrail's
// sessionIssuer.userName), "root" for arn:aws:iam::<account>:root. A
// canonical user ID (64 hex digits) has no short name; any other value is
// kept as the name.
func s3Requester(v string) (id, name string) {
	if !strings.HasPrefix(v, "arn:") {
		if len(v) == 64 && strings.Trim(v, "0123456789abcdef") == "" {
			return v, ""
		}
		return "", v
	}
	parts := strings.SplitN(v, ":", 6)
	if len(parts) < 6 {
		return v, ""
	}
	res := parts[5]
	switch {
	case res == "root":
		return v, "root"
	case strings.HasPrefix(res, "user/"):
		return v, res[strings.LastIndexByte(res, '/')+1:]
	case strings.HasPrefix(res, "assumed-role/"):
		role, _, _ := strings.Cut(res[len("assumed-role/"):], "/")
		return v, role
	}
	return v, ""
}

// s3HostRegion is the Region an S3 endpoint host names
// (https://docs.aws.amazon.com/general/latest/gr/s3.html): the label after
// "s3." or "s3-" as in bucket.s3.us-west-2.amazonaws.com,
// bucket.s3-us-west-2.amazonaws.com, s3.dualstack.us-west-2.amazonaws.com or
// s3-accesspoint.us-west-2.amazonaws.com. The global endpoint
// s3.amazonaws.com names none.
func s3HostRegion(host string) string {
	if !strings.HasSuffix(host, ".amazonaws.com") && !strings.HasSuffix(host, ".amazonaws.com.cn") {
		return ""
	}
	for _, label := range strings.Split(host, ".") {
		label = strings.TrimPrefix(label, "s3-")
		if archive.ValidRegion(label) {
			return label
		}
	}
	return ""
}

var monthAbbrev = [...]string{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"}

// parseS3Time parses "[06/Feb/2019:00:00:38 +0000]" into UTC.
func parseS3Time(v string) (time.Time, bool) {
	// [dd/Mon/yyyy:hh:mm:ss +zzzz]
	if len(v) != 28 || v[0] != '[' || v[27] != ']' || v[3] != '/' || v[7] != '/' || v[12] != ':' || v[21] != ' ' {
		return time.Time{}, false
	}
	mon := v[4:7]
	m := 0
	for i, name := range monthAbbrev {
		if name == mon {
			m = i + 1
			break
		}
	}
	if m == 0 {
		return time.Time{}, false
	}
	y, ok1 := fourDigits(v[8:12])
	d, ok2 := twoDigits(v[1:3])
	t, ok3 := makeTime(y, m, d, v[13:21])
	if !ok1 || !ok2 || !ok3 {
		return time.Time{}, false
	}
	sign := v[22]
	hh, okh := twoDigits(v[23:25])
	mm, okm := twoDigits(v[25:27])
	if (sign != '+' && sign != '-') || !okh || !okm {
		return time.Time{}, false
	}
	off := time.Duration(hh)*time.Hour + time.Duration(mm)*time.Minute
	if sign == '+' {
		off = -off
	}
	return t.Add(off), true
}
