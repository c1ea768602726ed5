package ecs

// windowsFields are the aws.windows.* fields: a Windows event as the
// CloudWatch agent renders it (internal/logs windows.go), System fields in
// snake_case, EventData by Data Name.
var windowsFields = []Field{
	{Path: "format", Type: Keyword}, // xml or text: the agent's event_format
	{Path: "channel", Type: Keyword},
	{Path: "provider_name", Type: Keyword},
	{Path: "event_id", Type: Keyword},
	{Path: "version", Type: Keyword},
	{Path: "level", Type: Keyword},
	{Path: "task", Type: Keyword},
	{Path: "opcode", Type: Keyword},
	{Path: "keywords", Type: Keyword},
	{Path: "time_created", Type: Date},
	{Path: "event_record_id", Type: Keyword},
	{Path: "process_id", Type: Keyword},
	{Path: "thread_id", Type: Keyword},
	{Path: "computer", Type: Keyword},
	{Path: "user_id", Type: Keyword},
	{Path: "event_data", Type: FlatObject},
	{Path: "rendering.message", Type: Text},
	{Path: "rendering.level", Type: Keyword},
	{Path: "rendering.task", Type: Keyword},
	{Path: "rendering.keywords", Type: Keyword},
}
