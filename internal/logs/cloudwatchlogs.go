package logs

import "errors"

// PLACEHOLDER: replaced by the real parser.
func parseCloudWatchLogs(in *Input, out *Output) error { return errors.New("cloudwatchlogs parser not built yet") }
