package logs

// Amazon RDS and Aurora database logs published to CloudWatch Logs, in the
// log groups RDS itself names
// (https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_LogAccess.Procedural.UploadtoCloudWatch.html,
// https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/AuroraMySQL.Integrating.CloudWatch.html):
// /aws/rds/instance/<instance>/<log> and /aws/rds/cluster/<cluster>/<log>,
// routed here for the logs audit, error and postgresql (rdsLogOf). Each log
// event is one line; its format says which engine log it is, so objects
// of lines under the typed prefix rds/ read the same way:
//
//   - MySQL/MariaDB audit plugin (server_audit) and Aurora MySQL advanced
//     auditing, CSV: timestamp,serverhost,username,host,connectionid,
//     queryid,operation,database,object,retcode; timestamp "YYYYMMDD
//     hh:mm:ss" (audit plugin) or Unix microseconds (Aurora); object is the
//     statement in single quotes for QUERY operations and may hold commas
//     (https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/Appendix.MySQL.Options.AuditPlugin.html,
//     https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/AuroraMySQL.Auditing.html);
//   - PostgreSQL log lines with RDS's log_line_prefix %t:%r:%u@%d:[%p]:
//     "2024-03-05 10:00:00 UTC:10.0.0.5(53204):app@shop:[4242]:LOG:  msg",
//     pgaudit's "AUDIT: SESSION|OBJECT,<stmt>,<substmt>,<class>,<command>,
//     <object type>,<object name>,<statement>,<parameter>" among them
//     (https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_LogAccess.Concepts.PostgreSQL.html,
//     https://github.com/pgaudit/pgaudit#format);
//   - MySQL error log lines "2024-03-05T10:00:00.123456Z <thread> [Level]
//     [code] [subsystem] message" (8.0; 5.7 has no code and subsystem).
//
// ECS mapping: @timestamp; user.name; source.ip/port (the client);
// host.name (serverhost); event.category database, plus authentication
// for connections; event.action: the audit operation or pgaudit command
// in lower case (connect, failed_connect, query, grant, drop table, ...),
// "connection_authorized"/"authentication_failed" for PostgreSQL
// connections, "access_denied" for MySQL error log refusals; event.outcome
// (retcode 0 success, FAILED_CONNECT and refusals failure); log.level
// (PostgreSQL and error log level); message (the statement or message).
// aws.rds holds the parsed fields with the log (audit, error, postgresql),
// the database instance or cluster from the log group, and command, the
// statement's command in upper case as pgaudit names it (GRANT, DROP
// TABLE, CREATE USER, ...).

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/orgsiem/orgsiem/internal/archive"
	"github.com/orgsiem/orgsiem/internal/ecs"
)

// rdsAWS is aws.rds.
type rdsAWS struct {
	Log          string `json:"log,omitempty"`      // audit, error, postgresql (from the log group)
	Instance     string `json:"instance,omitempty"` // /aws/rds/instance/<instance>/...
	Cluster      string `json:"cluster,omitempty"`  // /aws/rds/cluster/<cluster>/...
	Format       string `json:"format"`             // mysql_audit, postgresql, mysql_error
	ServerHost   string `json:"serverhost,omitempty"`
	Username     string `json:"username,omitempty"`
	Host         string `json:"host,omitempty"`
	ConnectionID string `json:"connection_id,omitempty"`
	QueryID      string `json:"query_id,omitempty"`
	Operation    string `json:"operation,omitempty"`
	Database     string `json:"database,omitempty"`
	Object       string `json:"object,omitempty"`
	RetCode      string `json:"retcode,omitempty"`
	PID          string `json:"pid,omitempty"`
	Level        string `json:"level,omitempty"`
	AuditType    string `json:"audit_type,omitempty"` // SESSION or OBJECT
	AuditClass   string `json:"audit_class,omitempty"`
	Command      string `json:"command,omitempty"`
	ObjectType   string `json:"object_type,omitempty"`
	ObjectName   string `json:"object_name,omitempty"`
	Statement    string `json:"statement,omitempty"`
}

var (
	categoryDatabase     = []string{"database"}
	categoryDatabaseAuth = []string{"database", "authentication"}
)

// rdsLogOf reads an RDS log group: the instance or cluster and the log.
func rdsLogOf(group string) (instance, cluster, log string, ok bool) {
	rest, found := strings.CutPrefix(group, "/aws/rds/")
	if !found {
		return "", "", "", false
	}
	kind, rest, _ := strings.Cut(rest, "/")
	name, log, found := strings.Cut(rest, "/")
	if !found || name == "" || strings.Contains(log, "/") {
		return "", "", "", false
	}
	switch log {
	case "audit", "error", "postgresql":
	default:
		return "", "", "", false
	}
	switch kind {
	case "instance":
		return name, "", log, true
	case "cluster":
		return "", name, log, true
	}
	return "", "", "", false
}

func parseRDS(in *Input, out *Output) error {
	return scanLines(in, out, func(line []byte, n int64) error {
		line = bytes.TrimRight(line, "\r\n")
		d := out.Doc()
		if err := rdsMessage(line, d, ""); err != nil {
			return out.Fail(line, fmt.Errorf("line %d: %w", n, err))
		}
		return out.Emit(d)
	})
}

// rdsMessage maps one database log line onto d; group, when known, is the
// CloudWatch Logs group it came from.
func rdsMessage(msg []byte, d *ecs.Document, group string) error {
	d.Type = archive.TypeRDS
	a := rdsAWS{}
	if inst, cl, log, ok := rdsLogOf(group); ok {
		a.Instance, a.Cluster, a.Log = inst, cl, log
	}
	s := string(bytes.TrimSpace(msg))
	var err error
	switch {
	case isPostgresLine(s):
		err = rdsPostgres(s, d, &a)
	case len(s) > 20 && s[4] == '-' && s[10] == 'T':
		err = rdsMySQLError(s, d, &a)
	default:
		err = rdsAudit(s, d, &a)
	}
	if err != nil {
		return err
	}
	if d.Message == "" {
		d.Message = s
	}
	d.Cloud.ServiceName = "rds"
	if d.User.Name != "" {
		d.Related.User = append(d.Related.User, d.User.Name)
	}
	if d.Source.IP != "" {
		addRelatedIP(d, d.Source.IP)
	}
	d.AWS, err = json.Marshal(&a)
	return err
}

// isPostgresLine reports the RDS PostgreSQL prefix "YYYY-MM-DD hh:mm:ss UTC:".
func isPostgresLine(s string) bool {
	return len(s) > 24 && s[4] == '-' && s[10] == ' ' && s[19:24] == " UTC:"
}

// rdsAudit maps an audit plugin / advanced auditing CSV line.
func rdsAudit(s string, d *ecs.Document, a *rdsAWS) error {
	// The first eight fields hold no commas; the last is retcode; object
	// (the statement) is everything between.
	parts := strings.SplitN(s, ",", 9)
	if len(parts) < 9 {
		return errors.New("neither an audit CSV line (10 fields), a PostgreSQL line nor a MySQL error log line")
	}
	last := strings.LastIndexByte(parts[8], ',')
	if last < 0 {
		return errors.New("audit CSV line: no retcode field")
	}
	a.Format = "mysql_audit"
	a.ServerHost, a.Username, a.Host, a.ConnectionID, a.QueryID = parts[1], parts[2], parts[3], parts[4], parts[5]
	a.Operation, a.Database = parts[6], parts[7]
	a.Object, a.RetCode = parts[8][:last], parts[8][last+1:]
	t, err := rdsAuditTime(parts[0])
	if err != nil {
		return err
	}
	d.Timestamp = t
	if _, err := strconv.ParseInt(a.RetCode, 10, 64); err != nil {
		return fmt.Errorf("audit CSV line: retcode %q is not a number", a.RetCode)
	}
	op := strings.ToUpper(a.Operation)
	if op == "" {
		return errors.New("audit CSV line: no operation")
	}
	d.Event.Action = strings.ToLower(op)
	d.Event.Category = categoryDatabase
	switch op {
	case "CONNECT", "DISCONNECT", "FAILED_CONNECT", "CHANGEUSER":
		d.Event.Category = categoryDatabaseAuth
	}
	d.Event.Outcome = "success"
	if a.RetCode != "0" || op == "FAILED_CONNECT" {
		d.Event.Outcome = "failure"
	}
	d.User.Name = a.Username
	setEndpoint(&d.Source, a.Host)
	d.Host.Name = a.ServerHost
	if stmt := strings.TrimSpace(a.Object); len(stmt) >= 2 && stmt[0] == '\'' && stmt[len(stmt)-1] == '\'' {
		stmt = strings.ReplaceAll(stmt[1:len(stmt)-1], `\'`, `'`)
		d.Message = stmt
		a.Command = sqlCommand(stmt)
	}
	return nil
}

// rdsAuditTime reads "YYYYMMDD hh:mm:ss" (audit plugin, UTC) or Unix
// microseconds (Aurora advanced auditing).
func rdsAuditTime(s string) (time.Time, error) {
	if len(s) == 17 && s[8] == ' ' {
		t, err := time.Parse("20060102 15:04:05", s)
		if err != nil {
			return time.Time{}, fmt.Errorf("audit timestamp %q: %w", s, err)
		}
		return t, nil
	}
	if n, ok := parseDecimal(s); ok && len(s) == 16 {
		return time.UnixMicro(n).UTC(), nil
	}
	return time.Time{}, fmt.Errorf("audit timestamp %q is neither YYYYMMDD hh:mm:ss nor Unix microseconds", s)
}

// sqlCommand is the command of a statement in upper case, as pgaudit
// names it: its first keyword, and the object kind after CREATE, ALTER and
// DROP ("CREATE USER", "DROP TABLE").
func sqlCommand(stmt string) string {
	first, rest := sqlWord(stmt)
	first = strings.ToUpper(first)
	switch first {
	case "CREATE", "ALTER", "DROP":
		if second, _ := sqlWord(rest); second != "" {
			return first + " " + strings.ToUpper(second)
		}
	}
	return first
}

// sqlWord splits the first word off a statement.
func sqlWord(s string) (word, rest string) {
	s = strings.TrimLeft(s, " \t\r\n(")
	end := strings.IndexAny(s, " \t\r\n;(")
	if end < 0 {
		return s, ""
	}
	return s[:end], s[end:]
}

// rdsPostgres maps "<date> <time> UTC:<host>(<port>):<user>@<db>:[<pid>]:<LEVEL>:  <message>".
func rdsPostgres(s string, d *ecs.Document, a *rdsAWS) error {
	t, err := time.Parse("2006-01-02 15:04:05", s[:19])
	if err != nil {
		return fmt.Errorf("PostgreSQL timestamp: %w", err)
	}
	d.Timestamp = t
	a.Format = "postgresql"
	rest := s[24:]
	// host(port) or [local] or empty, then user@db, then [pid].
	host, rest, ok := strings.Cut(rest, ":")
	if !ok {
		return errors.New("PostgreSQL line: no client field")
	}
	userdb, rest, ok := strings.Cut(rest, ":")
	if !ok {
		return errors.New("PostgreSQL line: no user@database field")
	}
	pid, rest, ok := strings.Cut(rest, ":")
	if !ok || !strings.HasPrefix(pid, "[") || !strings.HasSuffix(pid, "]") {
		return errors.New("PostgreSQL line: no [pid] field")
	}
	level, msg, ok := strings.Cut(rest, ":")
	if !ok {
		return errors.New("PostgreSQL line: no level")
	}
	a.Host, a.PID, a.Level = host, pid[1:len(pid)-1], level
	a.Username, a.Database, _ = strings.Cut(userdb, "@")
	if h, port, ok := strings.Cut(host, "("); ok {
		setEndpoint(&d.Source, h)
		if p, ok := parseDecimal(strings.TrimSuffix(port, ")")); ok && p > 0 && p <= 65535 {
			d.Source.Port = p
		}
	}
	msg = strings.TrimSpace(msg)
	d.Message = msg
	d.Log.Level = strings.ToLower(level)
	d.User.Name = a.Username
	d.Event.Category = categoryDatabase
	switch {
	case strings.HasPrefix(msg, "AUDIT: "):
		f := splitCSV(strings.TrimPrefix(msg, "AUDIT: "))
		if len(f) < 8 {
			return fmt.Errorf("pgaudit line has %d fields, want at least 8", len(f))
		}
		a.AuditType, a.AuditClass, a.Command, a.ObjectType, a.ObjectName, a.Statement = f[0], f[3], f[4], f[5], f[6], f[7]
		d.Event.Action = strings.ToLower(a.Command)
		d.Event.Outcome = "success"
		d.Message = a.Statement
	case strings.HasPrefix(msg, "connection authorized:"):
		d.Event.Action = "connection_authorized"
		d.Event.Category = categoryDatabaseAuth
		d.Event.Outcome = "success"
	case strings.Contains(msg, "authentication failed for user"):
		d.Event.Action = "authentication_failed"
		d.Event.Category = categoryDatabaseAuth
		d.Event.Outcome = "failure"
		if u := quoted(msg, `for user "`); u != "" {
			d.User.Name = u
		}
	}
	return nil
}

// rdsMySQLError maps "<ts> <thread> [Level] [code] [subsystem] message".
func rdsMySQLError(s string, d *ecs.Document, a *rdsAWS) error {
	ts, rest, _ := strings.Cut(s, " ")
	t, err := parseJSONTime(ts)
	if err != nil {
		return fmt.Errorf("MySQL error log timestamp: %w", err)
	}
	d.Timestamp = t
	a.Format = "mysql_error"
	_, rest, _ = strings.Cut(rest, " ") // thread
	if strings.HasPrefix(rest, "[") {
		if end := strings.IndexByte(rest, ']'); end > 0 {
			a.Level = rest[1:end]
			rest = strings.TrimSpace(rest[end+1:])
		}
	}
	for range 2 { // [code] [subsystem] (MySQL 8.0)
		if strings.HasPrefix(rest, "[") {
			if end := strings.IndexByte(rest, ']'); end > 0 {
				rest = strings.TrimSpace(rest[end+1:])
			}
		}
	}
	d.Message = rest
	d.Log.Level = strings.ToLower(a.Level)
	d.Event.Category = categoryDatabase
	if strings.HasPrefix(rest, "Access denied for user '") {
		d.Event.Action = "access_denied"
		d.Event.Category = categoryDatabaseAuth
		d.Event.Outcome = "failure"
		user := quoted(rest, "for user '")
		d.User.Name = user
		a.Username = user
		if host := quoted(rest, "'@'"); host != "" {
			a.Host = host
			setEndpoint(&d.Source, host)
		}
	}
	return nil
}

// quoted returns the text after marker up to the next quote (the last
// byte of marker).
func quoted(s, marker string) string {
	i := strings.Index(s, marker)
	if i < 0 {
		return ""
	}
	rest := s[i+len(marker):]
	q := marker[len(marker)-1]
	end := strings.IndexByte(rest, q)
	if end < 0 {
		return ""
	}
	return rest[:end]
}

// splitCSV splits a pgaudit record: comma-separated, fields with commas
// or quotes in double quotes with "" for a quote.
func splitCSV(s string) []string {
	var out []string
	var b strings.Builder
	inQ := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case inQ && c == '"' && i+1 < len(s) && s[i+1] == '"':
			b.WriteByte('"')
			i++
		case c == '"':
			inQ = !inQ
		case c == ',' && !inQ:
			out = append(out, b.String())
			b.Reset()
		default:
			b.WriteByte(c)
		}
	}
	return append(out, b.String())
}
