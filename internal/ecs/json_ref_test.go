package ecs

import (
	"bytes"
	"strconv"
	"time"
	"unicode/utf8"
)

// refAppendJSON is the straightforward writer AppendJSON is checked against:
// every object is opened, its members written when non-zero, and removed
// again if nothing was written inside; strings are escaped one rune at a
// time. It is the specification of the output, not tuned for speed.
func refAppendJSON(d *Document) []byte {
	w := &refWriter{b: []byte{'{'}}
	if !d.Timestamp.IsZero() {
		w.key("@timestamp")
		w.b = refTime(w.b, d.Timestamp)
	}
	w.str("message", d.Message)
	w.obj("ecs", func() { w.str("version", Version) })
	w.strs("tags", d.Tags, false)
	w.obj("event", func() {
		e := &d.Event
		w.str("kind", e.Kind)
		w.strs("category", e.Category, false)
		w.strs("type", e.Type, false)
		w.str("action", e.Action)
		w.str("outcome", e.Outcome)
		w.str("dataset", e.Dataset)
		w.str("module", e.Module)
		w.str("provider", e.Provider)
		w.str("code", e.Code)
		w.str("id", e.ID)
		if !e.Created.IsZero() {
			w.key("created")
			w.b = refTime(w.b, e.Created)
		}
		if !e.Ingested.IsZero() {
			w.key("ingested")
			w.b = refTime(w.b, e.Ingested)
		}
		if !e.Start.IsZero() {
			w.key("start")
			w.b = refTime(w.b, e.Start)
		}
		if !e.End.IsZero() {
			w.key("end")
			w.b = refTime(w.b, e.End)
		}
		w.int("duration", e.Duration)
		w.int("severity", e.Severity)
		w.str("original", e.Original)
	})
	w.obj("cloud", func() {
		c := &d.Cloud
		w.str("provider", c.Provider)
		w.obj("account", func() { w.str("id", c.AccountID); w.str("name", c.AccountName) })
		w.str("region", c.Region)
		w.obj("service", func() { w.str("name", c.ServiceName) })
		w.obj("instance", func() { w.str("id", c.InstanceID) })
	})
	w.endpoint("source", &d.Source)
	w.endpoint("destination", &d.Destination)
	w.obj("user", func() {
		w.str("name", d.User.Name)
		w.str("id", d.User.ID)
		w.str("domain", d.User.Domain)
		w.strs("roles", d.User.Roles, false)
		w.obj("target", func() { w.str("name", d.User.TargetName); w.str("id", d.User.TargetID) })
	})
	w.obj("group", func() { w.str("name", d.Group.Name); w.str("id", d.Group.ID) })
	w.obj("user_agent", func() { w.str("original", d.UserAgent) })
	w.obj("related", func() {
		w.strs("ip", d.Related.IP, true)
		w.strs("user", d.Related.User, true)
		w.strs("hosts", d.Related.Hosts, true)
	})
	w.obj("network", func() {
		n := &d.Network
		w.str("transport", n.Transport)
		w.str("protocol", n.Protocol)
		w.str("type", n.Type)
		w.str("direction", n.Direction)
		w.str("iana_number", n.IANANumber)
		w.str("forwarded_ip", n.ForwardedIP)
		w.int("bytes", n.Bytes)
		w.int("packets", n.Packets)
	})
	w.obj("http", func() {
		h := &d.HTTP
		w.obj("request", func() { w.str("method", h.Method); w.int("bytes", h.RequestBytes); w.str("referrer", h.Referrer) })
		w.obj("response", func() {
			if h.StatusCodeSet && h.StatusCode == 0 {
				w.key("status_code")
				w.b = append(w.b, '0')
			}
			w.int("status_code", h.StatusCode)
			w.int("bytes", h.ResponseBytes)
		})
		w.str("version", h.Version)
	})
	w.obj("url", func() {
		u := &d.URL
		w.str("original", u.Original)
		w.str("domain", u.Domain)
		w.str("path", u.Path)
		w.str("query", u.Query)
		w.str("scheme", u.Scheme)
		w.int("port", u.Port)
	})
	w.obj("dns", func() {
		n := &d.DNS
		w.obj("question", func() { w.str("name", n.QuestionName); w.str("type", n.QuestionType); w.str("class", n.QuestionClass) })
		w.str("response_code", n.ResponseCode)
		if len(n.Answers) > 0 {
			w.key("answers")
			w.b = append(w.b, '[')
			for i, a := range n.Answers {
				if i > 0 {
					w.b = append(w.b, ',')
				}
				w.b = append(w.b, '{')
				w.str("data", a.Data)
				w.str("type", a.Type)
				w.str("class", a.Class)
				w.b = append(w.b, '}')
			}
			w.b = append(w.b, ']')
		}
	})
	w.obj("rule", func() {
		r := &d.Rule
		w.str("id", r.ID)
		w.str("name", r.Name)
		w.str("ruleset", r.Ruleset)
		w.str("category", r.Category)
		w.str("description", r.Description)
	})
	w.obj("observer", func() {
		o := &d.Observer
		w.str("vendor", o.Vendor)
		w.str("product", o.Product)
		w.str("type", o.Type)
		w.str("name", o.Name)
		w.str("id", o.ID)
	})
	w.obj("host", func() { w.str("name", d.Host.Name); w.str("hostname", d.Host.Hostname) })
	w.obj("process", func() { w.str("name", d.Process.Name); w.int("pid", d.Process.PID) })
	w.obj("tls", func() {
		w.str("version", d.TLS.Version)
		w.str("version_protocol", d.TLS.VersionProtocol)
		w.str("cipher", d.TLS.Cipher)
		w.obj("client", func() { w.str("server_name", d.TLS.ServerName) })
	})
	w.obj("log", func() {
		w.obj("file", func() { w.str("path", d.Log.FilePath) })
		w.key("offset")
		w.b = strconv.AppendInt(w.b, d.Position, 10)
		w.str("level", d.Log.Level)
	})
	w.obj("error", func() { w.str("message", d.Error.Message); w.str("type", d.Error.Type); w.str("code", d.Error.Code) })
	w.obj("orgsiem", func() { w.str("claimed_account", d.Orgsiem.ClaimedAccount) })
	w.obj("aws", func() {
		hasAWS := len(d.AWS) > 0 && d.Type != ""
		if hasAWS {
			w.sep()
			w.b = refString(w.b, d.Type)
			w.b = append(w.b, ':')
			w.b = refRawJSON(w.b, d.AWS)
		}
		if hasAWS && d.Type == CloudWatchLogsType {
			return
		}
		c := &d.CloudWatch
		w.obj(CloudWatchLogsType, func() {
			w.str("id", c.ID)
			w.str("log_group", c.LogGroup)
			w.str("log_stream", c.LogStream)
			w.str("owner", c.Owner)
			w.strs("subscription_filters", c.SubscriptionFilters, false)
		})
	})
	return append(w.b, '}')
}

func refTime(b []byte, t time.Time) []byte {
	return strconv.AppendQuote(b, t.UTC().Format(time.RFC3339Nano))
}

type refWriter struct{ b []byte }

// sep writes the comma before a member unless it is the first one.
func (w *refWriter) sep() {
	if w.b[len(w.b)-1] != '{' {
		w.b = append(w.b, ',')
	}
}

func (w *refWriter) key(k string) {
	w.sep()
	w.b = refString(w.b, k)
	w.b = append(w.b, ':')
}

// obj writes member k as an object filled by members, or nothing if
// members writes nothing.
func (w *refWriter) obj(k string, members func()) {
	start := len(w.b)
	w.key(k)
	w.b = append(w.b, '{')
	inner := len(w.b)
	members()
	if len(w.b) == inner {
		w.b = w.b[:start]
		return
	}
	w.b = append(w.b, '}')
}

func (w *refWriter) str(k, v string) {
	if v != "" {
		w.key(k)
		w.b = refString(w.b, v)
	}
}

func (w *refWriter) int(k string, v int64) {
	if v != 0 {
		w.key(k)
		w.b = strconv.AppendInt(w.b, v, 10)
	}
}

// strs writes vs as an array; unique drops empty and repeated values.
func (w *refWriter) strs(k string, vs []string, unique bool) {
	var keep []string
	for i, v := range vs {
		if unique && (v == "" || refContains(vs[:i], v)) {
			continue
		}
		keep = append(keep, v)
	}
	if len(keep) == 0 {
		return
	}
	w.key(k)
	w.b = append(w.b, '[')
	for i, v := range keep {
		if i > 0 {
			w.b = append(w.b, ',')
		}
		w.b = refString(w.b, v)
	}
	w.b = append(w.b, ']')
}

func refContains(vs []string, v string) bool {
	for _, x := range vs {
		if x == v {
			return true
		}
	}
	return false
}

func (w *refWriter) endpoint(k string, e *Endpoint) {
	w.obj(k, func() {
		w.str("ip", e.IP)
		w.int("port", e.Port)
		w.str("address", e.Address)
		w.str("domain", e.Domain)
		w.int("bytes", e.Bytes)
		w.int("packets", e.Packets)
		if g := e.Geo; g != nil {
			w.obj("geo", func() {
				w.str("country_iso_code", g.CountryISOCode)
				w.str("country_name", g.CountryName)
				w.str("city_name", g.CityName)
				if (g.Lat != 0 || g.Lon != 0) && finite(g.Lat) && finite(g.Lon) {
					w.key("location")
					w.b = append(w.b, `{"lat":`...)
					w.b = strconv.AppendFloat(w.b, g.Lat, 'f', -1, 64)
					w.b = append(w.b, `,"lon":`...)
					w.b = strconv.AppendFloat(w.b, g.Lon, 'f', -1, 64)
					w.b = append(w.b, '}')
				}
			})
		}
		if a := e.AS; a != nil {
			w.obj("as", func() {
				w.int("number", a.Number)
				w.obj("organization", func() { w.str("name", a.Organization) })
			})
		}
	})
}

// refString escapes s one rune at a time: '"', '\\' and control
// characters, invalid UTF-8 as U+FFFD, U+2028 and U+2029.
func refString(b []byte, s string) []byte {
	b = append(b, '"')
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		switch {
		case r == '"' || r == '\\':
			b = append(b, '\\', byte(r))
		case r == '\n':
			b = append(b, `\n`...)
		case r == '\r':
			b = append(b, `\r`...)
		case r == '\t':
			b = append(b, `\t`...)
		case r < 0x20 || r == '\u2028' || r == '\u2029':
			b = append(b, `\u`...)
			b = append(b, hexDigits[r>>12&0xf], hexDigits[r>>8&0xf], hexDigits[r>>4&0xf], hexDigits[r&0xf])
		case r == utf8.RuneError && size == 1:
			b = append(b, `\ufffd`...)
		default:
			b = utf8.AppendRune(b, r)
		}
	}
	return append(b, '"')
}

// refRawJSON copies raw as is when it is valid UTF-8 on one line; else it
// drops whitespace outside strings, escapes raw control bytes inside
// strings and replaces invalid UTF-8 by U+FFFD.
func refRawJSON(b []byte, raw []byte) []byte {
	if !bytes.ContainsAny(raw, "\r\n") && utf8.Valid(raw) {
		return append(b, raw...)
	}
	inString, escaped := false, false
	for i := 0; i < len(raw); {
		r, size := utf8.DecodeRune(raw[i:])
		i += size
		if r == utf8.RuneError && size == 1 {
			b = append(b, "\ufffd"...)
			escaped = false
			continue
		}
		switch {
		case !inString && (r == ' ' || r == '\t' || r == '\n' || r == '\r'):
			continue
		case !inString:
			inString = r == '"'
		case escaped:
			escaped = false
		case r == '\\':
			escaped = true
		case r == '"':
			inString = false
		case r < 0x20:
			b = append(b, '\\', 'u', '0', '0', hexDigits[r>>4], hexDigits[r&0xf])
			continue
		}
		b = utf8.AppendRune(b, r)
	}
	return b
}
