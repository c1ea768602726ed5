package logs

import "errors"

// PLACEHOLDER: replaced by the real parser.
func parseCloudTrail(in *Input, out *Output) error { return errors.New("cloudtrail parser not built yet") }
