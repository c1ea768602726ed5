package ecs

// rdsFields are the aws.rds.* fields: one RDS or Aurora database log line
// as internal/logs rds.go parses it.
var rdsFields = []Field{
	{Path: "log", Type: Keyword},
	{Path: "instance", Type: Keyword},
	{Path: "cluster", Type: Keyword},
	{Path: "format", Type: Keyword},
	{Path: "serverhost", Type: Keyword},
	{Path: "username", Type: Keyword},
	{Path: "host", Type: Keyword},
	{Path: "connection_id", Type: Keyword},
	{Path: "query_id", Type: Keyword},
	{Path: "operation", Type: Keyword},
	{Path: "database", Type: Keyword},
	{Path: "object", Type: Text},
	{Path: "retcode", Type: Keyword},
	{Path: "pid", Type: Keyword},
	{Path: "level", Type: Keyword},
	{Path: "audit_type", Type: Keyword},
	{Path: "audit_class", Type: Keyword},
	{Path: "command", Type: Keyword},
	{Path: "object_type", Type: Keyword},
	{Path: "object_name", Type: Keyword},
	{Path: "statement", Type: Text},
}
